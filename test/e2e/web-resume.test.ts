import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import pino from 'pino';
import type { Browser } from 'playwright-core';

import { loadSettings } from '../../src/config/settings.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { launchChromium } from '../support/browser.js';
import { dropFiles, openContext, signInThroughForm } from '../support/web-interface.js';
import { TEST_PASSWORD } from '../support/test-server.js';
import { MINIMAL_PDF } from '../support/uploads.js';

/** Upload speed the browser is held to, in bytes per second, so the server can stop mid-transfer. */
const THROTTLED_UPLOAD_BYTES_PER_SECOND = 256 * 1024;

describe('web interface, interrupted upload', () => {
  let dataDir: string;
  let browser: Browser;
  let server: RunningServer | undefined;

  const start = async (port: number): Promise<RunningServer> => {
    const settings = loadSettings({ VITRAIL_DATA_DIR: dataDir, VITRAIL_HOST: '127.0.0.1', VITRAIL_PORT: String(port) });
    return startServer(settings, pino({ level: process.env.VITRAIL_TEST_LOG_LEVEL ?? 'silent' }));
  };

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-e2e-'));
    server = await start(0);
    await server.vitrail.users.addUser('editor@example.org', TEST_PASSWORD, 'editor');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes after a server restart and completes', async () => {
    const first = server;
    assert.ok(first !== undefined);
    const port = Number(new URL(first.address).port);
    const context = await openContext(browser, first.address);
    const page = await context.newPage();
    await signInThroughForm(page, 'editor@example.org', TEST_PASSWORD);

    const patches: { url: string; offset: number }[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PATCH') patches.push({ url: request.url(), offset: Number(request.headers()['upload-offset']) });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: THROTTLED_UPLOAD_BYTES_PER_SECOND,
    });

    // A PDF of about 1.5 MB: its header makes it a PDF, the comment lines after it only add weight.
    const content = Buffer.concat([Buffer.from(MINIMAL_PDF), Buffer.from(`%${'reprise '.repeat(200_000)}\n`)]);
    await dropFiles(page, '[data-testid=drop-zone]', [{ name: 'Bulletin paroissial.pdf', type: 'application/pdf', content }]);

    const progress = page.locator('.upload-item progress');
    await page.waitForFunction(
      (minimum) => {
        const bar = (globalThis as unknown as { document: { querySelector(selector: string): { value: number } | null } }).document.querySelector('.upload-item progress');
        return bar !== null && bar.value >= minimum;
      },
      20,
      { timeout: 20_000 },
    );
    assert.ok((await progress.count()) === 1);

    // Cut the transfer as a crash or a restart would, then start again on the same port and data directory.
    first.app.server.closeAllConnections();
    await first.close();
    const partial = await readdir(path.join(dataDir, 'tmp', 'resumable'));
    assert.ok(partial.length > 0, 'the partial upload stays on disk across the restart');
    server = await start(port);

    const item = page.locator('.upload-item:not([data-status=uploading])');
    await item.waitFor({ timeout: 60_000 });
    assert.equal(await item.getAttribute('data-status'), 'done', `the upload ended with: ${await item.innerText()}`);
    await context.close();

    const uploadUrls = new Set(patches.map((patch) => patch.url));
    assert.equal(uploadUrls.size, 1, 'every PATCH goes to the same upload, so it was resumed, not started again');
    assert.ok(patches.some((patch) => patch.offset > 0), 'a PATCH continues from where the transfer stopped');

    const rows = await server.vitrail.db.selectFrom('media').select(['name', 'size', 'sha256']).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.name, 'Bulletin paroissial.pdf');
    assert.equal(Number(rows[0]?.size), content.length);
    assert.equal(rows[0]?.sha256, createHash('sha256').update(content).digest('hex'));
    assert.deepEqual(await readdir(path.join(dataDir, 'tmp', 'resumable')), []);
  });
});
