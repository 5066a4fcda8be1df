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
  document: { querySelector(selector: string): { dispatchEvent(event: unknown): boolean } | null };
  DragEvent: new (type: string, init: { bubbles: boolean; cancelable: boolean; composed: boolean; dataTransfer: unknown }) => unknown;
}

/** Drag events a test sends, in the order a browser fires them for a drop from outside the page. */
export type DragEventType = 'dragenter' | 'dragover' | 'dragleave' | 'drop';

/**
 * Dispatches drag events carrying files on the first element that matches `selector`, as a user's drag
 * from the file manager does. Returns, for each event, whether the page cancelled it (preventDefault). A
 * browser opens a dropped file in the tab, leaving the app, unless the page cancels both dragover and drop.
 */
export async function dispatchFileDrag(
  page: Page,
  selector: string,
  files: readonly DroppedFile[],
  types: readonly DragEventType[],
): Promise<boolean[]> {
  await page.locator(selector).first().waitFor();
  const payload = files.map((file) => ({ name: file.name, type: file.type, base64: file.content.toString('base64') }));
  return page.evaluate(
    ({ entries, target, eventTypes }) => {
      // The tests compile without the DOM's types, so the few browser globals used here are typed by hand.
      const browser = globalThis as unknown as DropGlobals;
      const data = new browser.DataTransfer();
      for (const entry of entries) {
        const bytes = Uint8Array.from(browser.atob(entry.base64), (character) => character.charCodeAt(0));
        data.items.add(new browser.File([bytes], entry.name, { type: entry.type }));
      }
      const element = browser.document.querySelector(target);
      if (element === null) throw new Error(`no element matches ${target}`);
      return eventTypes.map(
        (type) => !element.dispatchEvent(new browser.DragEvent(type, { bubbles: true, cancelable: true, composed: true, dataTransfer: data })),
      );
    },
    { entries: payload, target: selector, eventTypes: types },
  );
}

/** The drag events of a drop that the page cancelled. The browser leaves the app unless both are. */
export interface DropOutcome {
  readonly dragoverCancelled: boolean;
  readonly dropCancelled: boolean;
}

/** Drops files on an element the way a user's drag and drop does: dragenter, dragover, then drop. */
export async function dropFiles(page: Page, selector: string, files: readonly DroppedFile[]): Promise<DropOutcome> {
  const [, dragoverCancelled = false, dropCancelled = false] = await dispatchFileDrag(page, selector, files, ['dragenter', 'dragover', 'drop']);
  return { dragoverCancelled, dropCancelled };
}
