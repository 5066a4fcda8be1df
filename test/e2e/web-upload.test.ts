import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchChromium } from '../support/browser.js';
import { photo } from '../support/images.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../support/test-server.js';
import { countMediaRows } from '../support/uploads.js';
import { assertNoSeriousViolations, dispatchFileDrag, dropFiles, openContext, saveScreenshot, signInThroughForm } from '../support/web-interface.js';

/** Upload limit of the test server, small enough for a test to exceed it: 1 MiB, shown as « 1 Mo ». */
const MAX_UPLOAD_BYTES = 1024 * 1024;

describe('web interface, upload', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  /** Returns the value of every progress bar shown in the upload list, as a share of its maximum. */
  const progressShares = () =>
    page.evaluate<number[]>(`[...document.querySelectorAll('.upload-list progress')]
      .filter((bar) => bar.getClientRects().length > 0)
      .map((bar) => bar.value / bar.max)`);

  const clearList = async () => {
    await page.getByRole('button', { name: 'Effacer la liste' }).click();
    await page.locator('.upload-list').waitFor({ state: 'detached' });
  };

  before(async () => {
    server = await startTestServer({ VITRAIL_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    browser = await launchChromium();
    context = await openContext(browser, server.url);
    page = await context.newPage();
    await signInThroughForm(page, 'editor@example.org', TEST_PASSWORD);
    await page.getByText('La médiathèque est vide').waitFor();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('summarises an all-rejected upload', async () => {
    await dropFiles(page, '[data-testid=drop-zone]', [
      { name: 'notes.txt', type: 'text/plain', content: Buffer.from('Compte rendu du conseil pastoral\n') },
      { name: 'vide.jpg', type: 'image/jpeg', content: Buffer.alloc(0) },
      { name: 'Affiche.pdf', type: 'application/pdf', content: Buffer.alloc(MAX_UPLOAD_BYTES * 1.5) },
    ]);
    const failed = page.locator('.upload-item[data-status=failed]');
    await failed.nth(2).waitFor();
    const summary = page.locator('.upload-summary');
    assert.equal((await summary.innerText()).trim(), 'Aucun fichier ajouté, 3 refusés');
    assert.deepEqual(await progressShares(), []);
    assert.equal(await countMediaRows(server), 0);
  });

  it('explains how to fix each rejected file', async () => {
    const failed = page.locator('.upload-item[data-status=failed]');
    const notes = await failed.filter({ hasText: 'notes.txt' }).innerText();
    assert.match(notes, /Ce fichier n'est ni une image reconnue ni un document accepté\./);
    assert.match(notes, /Fichiers acceptés : images, PDF, /);
    const empty = await failed.filter({ hasText: 'vide.jpg' }).innerText();
    assert.match(empty, /Ce fichier est vide/);
    assert.match(empty, /enregistrez-le de nouveau/);
    const large = await failed.filter({ hasText: 'Affiche.pdf' }).innerText();
    assert.match(large, /Fichier trop lourd : 1 Mo au maximum\./);
    assert.match(large, /PDF exporté pour l'écran/);
    assert.match(large, /demandez à la personne qui gère Vitrail/);
    await assertNoSeriousViolations(page, 'refused upload');
    await saveScreenshot(page, '23-envoi-refuse');
    await clearList();
  });

  it('summarises a partly rejected upload', async () => {
    await dropFiles(page, '[data-testid=drop-zone]', [
      { name: 'Chorale.jpg', type: 'image/jpeg', content: await photo('#1f4fa8', 640, 480) },
      { name: 'liste.txt', type: 'text/plain', content: Buffer.from('Liste des servants\n') },
      { name: 'Crèche.jpg', type: 'image/jpeg', content: await photo('#e0a100', 480, 640) },
    ]);
    await page.locator('.upload-item[data-status=done]').nth(1).waitFor();
    await page.locator('.upload-item[data-status=failed]').waitFor();
    assert.equal((await page.locator('.upload-summary').innerText()).trim(), '2 fichiers ajoutés, 1 refusé');
    assert.deepEqual(await progressShares(), []);
    await clearList();
  });

  it('adds files dropped outside the drop zone', async () => {
    const outcome = await dropFiles(page, '#library-title', [{ name: 'Pèlerinage.jpg', type: 'image/jpeg', content: await photo('#2e8b57', 500, 400) }]);
    assert.deepEqual(outcome, { dragoverCancelled: true, dropCancelled: true });
    await page.getByRole('link', { name: /Pèlerinage\.jpg/ }).waitFor();
    assert.equal((await page.locator('.upload-summary').innerText()).trim(), '1 fichier ajouté');
    assert.equal(new URL(page.url()).origin, server.url);
    await clearList();
  });

  it('shows the whole screen as a drop target while dragging', async () => {
    const files = [{ name: 'Baptême.jpg', type: 'image/jpeg', content: await photo('#8a2be2', 300, 200) }];
    const overlay = page.locator('.drop-overlay');
    assert.equal(await overlay.isVisible(), false);
    const [enterCancelled, overCancelled] = await dispatchFileDrag(page, '.filters', files, ['dragenter', 'dragover']);
    assert.equal(enterCancelled, true);
    assert.equal(overCancelled, true);
    await overlay.waitFor({ state: 'visible' });
    assert.match(await overlay.innerText(), /Déposez vos fichiers pour les ajouter à la médiathèque/);
    await saveScreenshot(page, '24-glisser-deposer');
    await dispatchFileDrag(page, '.filters', files, ['dragleave']);
    await overlay.waitFor({ state: 'hidden' });
  });

  it('keeps a file dropped on another screen from leaving the app', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Corbeille' }).click();
    await page.getByRole('heading', { name: 'Corbeille' }).waitFor();
    const before = await countMediaRows(server);
    const outcome = await dropFiles(page, 'main', [{ name: 'Lettre.pdf', type: 'application/pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') }]);
    assert.deepEqual(outcome, { dragoverCancelled: true, dropCancelled: true });
    assert.equal(await countMediaRows(server), before);
  });
});
