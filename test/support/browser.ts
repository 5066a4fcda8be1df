import { chromium, type Browser, type Page } from 'playwright-core';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

/** Debian's chromium package, as .ci/debian-packages.txt installs it. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * Waits for every image of the page, then returns how many have no decoded pixels. The function is given
 * as text because it runs in the browser, whose DOM types this Node project does not load.
 */
export async function countBrokenImages(page: Page): Promise<number> {
  return page.evaluate(`(async () => {
    const images = [...document.images];
    await Promise.all(images.map((image) => image.complete ? null : new Promise((resolve) => {
      image.addEventListener('load', resolve, { once: true });
      image.addEventListener('error', resolve, { once: true });
    })));
    return images.filter((image) => image.naturalWidth === 0).length;
  })()`);
}

/** Share of pixels that differ between two PNG screenshots of the same size (pixelmatch, threshold 0.1). */
export function differentPixelShare(left: Buffer, right: Buffer): number {
  const first = PNG.sync.read(left);
  const second = PNG.sync.read(right);
  if (first.width !== second.width || first.height !== second.height) {
    throw new Error(`screenshots differ in size: ${first.width}x${first.height} and ${second.width}x${second.height}`);
  }
  const different = pixelmatch(first.data, second.data, null, first.width, first.height, { threshold: 0.1 });
  return different / (first.width * first.height);
}

/**
 * Collects the page's console errors, uncaught exceptions and failed loads, so a failing browser test
 * shows what the page itself reported.
 */
export function recordPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // Failed loads are recorded below with their URL, which the console text lacks.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('response', (response) => {
    // Browsers ask for /favicon.ico on their own, and neither Vitrail nor the test site has one.
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) errors.push(`${response.status()} ${response.url()}`);
  });
  return errors;
}
