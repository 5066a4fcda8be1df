import assert from 'node:assert/strict';
import { readFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Folder of the screenshots a reviewer looks at; git ignores test-output/. */
export const SCREENSHOT_DIRECTORY = path.resolve('test-output', 'screenshots');

/**
 * Opens a browser context on the test server, in French unless another locale is given. The context
 * bypasses the page's Content-Security-Policy only so axe-core can be injected. The server still sends it.
 */
export async function openContext(browser: Browser, baseURL: string, locale = 'fr-FR'): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, locale, bypassCSP: true, viewport: { width: 1280, height: 860 } });
  // Ten seconds is ample on loopback; a failing wait then fails fast instead of after Playwright's 30 s.
  context.setDefaultTimeout(10_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  return context;
}

export async function signInThroughForm(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel(/adresse e-mail|e-mail address/i).fill(email);
  await page.getByLabel(/^mot de passe$|^password$/i).fill(password);
  await page.getByRole('button', { name: /se connecter|sign in/i }).click();
  await page.getByRole('navigation').waitFor();
}

let axeSource: string | undefined;

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly targets: string[];
}

/** Runs axe-core on the page and fails on any serious or critical violation, listing each one. */
export async function assertNoSeriousViolations(page: Page, screen: string): Promise<void> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate<AxeViolation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    })))`);
  const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  assert.deepEqual(serious, [], `axe-core found serious violations on the ${screen} screen`);
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIRECTORY, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIRECTORY, `${name}.png`), fullPage: true });
}

/** A file to drop on the page, made in the test. */
export interface DroppedFile {
  readonly name: string;
  readonly type: string;
  readonly content: Buffer;
}

interface DropGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: Uint8Array[], name: string, options: { type: string }) => unknown;
  atob(base64: string): string;
}

/** Drops files on an element the way a user's drag and drop does: a drop event carrying a DataTransfer. */
export async function dropFiles(page: Page, selector: string, files: readonly DroppedFile[]): Promise<void> {
  const payload = files.map((file) => ({ name: file.name, type: file.type, base64: file.content.toString('base64') }));
  const transfer = await page.evaluateHandle((entries) => {
    // The tests compile without the DOM's types, so the few browser globals used here are typed by hand.
    const browser = globalThis as unknown as DropGlobals;
    const data = new browser.DataTransfer();
    for (const entry of entries) {
      const bytes = Uint8Array.from(browser.atob(entry.base64), (character) => character.charCodeAt(0));
      data.items.add(new browser.File([bytes], entry.name, { type: entry.type }));
    }
    return data;
  }, payload);
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: transfer });
}
