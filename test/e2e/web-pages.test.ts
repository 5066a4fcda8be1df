import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchChromium, recordPageErrors } from '../support/browser.js';
import { countRows } from '../support/pages.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../support/test-server.js';
import { assertNoSeriousViolations, dropFiles, openContext, saveScreenshot, signInThroughForm } from '../support/web-interface.js';

/** A mailing exported before CiviCRM merged its tokens: a first-name token and a contact checksum link. */
const FIRST_VERSION = `<!doctype html><html><head><meta charset="utf-8"><title>Lettre de l'Avent</title></head><body>
<h1>Lettre de l'Avent</h1>
<p>Bonjour {contact.first_name},</p>
<p>La veillée de Noël commence à 18 h 30 en l'église Saint-Martin.</p>
<p><a href="https://paroisse.example.org/civicrm/event/register?id=4&amp;cid=12&amp;cs=abc">Je m'inscris à la veillée</a></p>
</body></html>`;

const SECOND_VERSION = `<!doctype html><html><head><meta charset="utf-8"><title>Lettre de l'Avent</title></head><body>
<h1>Lettre de l'Avent, version corrigée</h1>
<p>Chers paroissiens,</p>
<p>La veillée de Noël commence à 19 h en l'église Saint-Martin.</p>
</body></html>`;

describe('web interface, web pages', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let publicUrl = '';

  before(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    context = await openContext(browser, server.url);
    page = await context.newPage();
    await signInThroughForm(page, 'editor@example.org', TEST_PASSWORD);
    // Recorded from here on: the sign-in screen's own 401 on /api/v1/session is expected, because no one was signed in.
    pageErrors = recordPageErrors(page);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the empty list of pages', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Pages en ligne' }).click();
    await page.getByRole('heading', { name: 'Pages en ligne', level: 1 }).waitFor();
    await page.getByText('Aucune page pour l\'instant.').waitFor();
    await assertNoSeriousViolations(page, 'web pages');
    await saveScreenshot(page, '09-pages-en-ligne-vide');
  });

  it('lists both findings in French and publishes nothing', async () => {
    await dropFiles(page, '[data-testid=publish-drop-zone]', [{ name: 'lettre-avent.html', type: 'text/html', content: Buffer.from(FIRST_VERSION) }]);
    await page.getByText('Fichier choisi : lettre-avent.html').waitFor();
    await page.getByRole('button', { name: 'Publier la page' }).click();

    const findings = page.locator('.findings');
    await findings.getByRole('heading', { name: '2 éléments à vérifier avant de publier' }).waitFor();
    const token = findings.locator('.finding[data-kind=civicrm-token]');
    const checksum = findings.locator('.finding[data-kind=contact-checksum]');
    assert.equal(await findings.locator('.finding').count(), 2);
    assert.match(await token.innerText(), /Jeton CiviCRM non remplacé/);
    assert.match(await token.innerText(), /Emplacement : dans le texte, ligne 3 du fichier/);
    assert.match(await checksum.innerText(), /Lien personnel avec somme de contrôle \(cid et cs\)/);
    assert.match(await checksum.innerText(), /Emplacement : dans l'adresse d'un lien, ligne 5 du fichier/);
    // The server masks what it found, so the screen never shows the checksum itself.
    assert.doesNotMatch(await checksum.innerText(), /cs=abc/);
    // The findings take the focus, so a keyboard user lands on the items to check.
    await page.waitForFunction("document.activeElement?.textContent === '2 éléments à vérifier avant de publier'", undefined, { timeout: 5000 });
    assert.equal(await countRows(server, 'pages'), 0);
    await assertNoSeriousViolations(page, 'page findings');
    await saveScreenshot(page, '10-page-elements-a-verifier');
  });

  it('asks to tick every finding before publishing', async () => {
    await page.getByRole('button', { name: 'Publier avec les éléments cochés' }).click();
    await page.getByRole('alert').filter({ hasText: 'Cochez chaque élément vérifié' }).waitFor();
    assert.equal(await countRows(server, 'pages'), 0);
  });

  it('publishes once both are ticked with the keyboard', async () => {
    await page.locator('.findings h3').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    assert.equal(await page.getByRole('checkbox', { checked: true }).count(), 2);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');

    await page.getByText("« Lettre de l'Avent » est en ligne.").waitFor();
    const row = page.locator('.row', { hasText: "Lettre de l'Avent" });
    await row.waitFor();
    assert.match(await row.innerText(), /En ligne/);
    assert.match(await row.innerText(), /par editor@example\.org/);
    assert.equal(await countRows(server, 'pages'), 1);

    await row.getByRole('button', { name: "Copier le lien Lettre de l'Avent" }).click();
    await page.getByText('copié : collez-le dans votre mailing').waitFor();
    publicUrl = await page.evaluate<string>('navigator.clipboard.readText()');
    assert.match(publicUrl, new RegExp(`^${server.url}/p/lettre-de-l-avent-[A-Za-z0-9_-]+/$`));
    assert.equal((await row.locator('.link-text').innerText()).trim(), publicUrl);
    await assertNoSeriousViolations(page, 'web pages');
    await saveScreenshot(page, '11-page-publiee');
  });

  it('opens the public URL without a session', async () => {
    const reader = await browser.newContext({ locale: 'fr-FR' });
    try {
      const readerPage = await reader.newPage();
      const response = await readerPage.goto(publicUrl);
      assert.equal(response?.status(), 200);
      assert.equal(await response?.headerValue('x-robots-tag'), 'noindex');
      await readerPage.getByRole('heading', { name: "Lettre de l'Avent" }).waitFor();
      assert.match(await readerPage.locator('body').innerText(), /La veillée de Noël commence à 18 h 30/);
    } finally {
      await reader.close();
    }
  });

  it('shows the page detail with a sandboxed preview', async () => {
    await page.getByRole('link', { name: "Lettre de l'Avent" }).click();
    await page.getByRole('heading', { name: "Lettre de l'Avent", level: 1 }).waitFor();
    const facts = await page.locator('.facts').innerText();
    assert.match(facts, /En ligne/);
    assert.match(facts, /2 éléments personnels acceptés à la publication/);
    assert.match(facts, /La page n'apparaît pas dans les résultats de recherche\./);
    const frame = page.locator('iframe.page-preview');
    assert.equal(await frame.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
    await page.frameLocator('iframe.page-preview').getByText('La veillée de Noël commence à 18 h 30').waitFor();
    await assertNoSeriousViolations(page, 'page detail');
    await saveScreenshot(page, '12-page-detail');
  });

  it('replaces the page at the same URL', async () => {
    await page.locator('[data-testid=replace-file]').setInputFiles({ name: 'lettre-avent-corrigee.html', mimeType: 'text/html', buffer: Buffer.from(SECOND_VERSION) });
    await page.getByText('Fichier choisi : lettre-avent-corrigee.html').waitFor();
    await page.getByLabel('Laisser les moteurs de recherche (Google et les autres) afficher cette page').check();
    await page.getByRole('button', { name: 'Remplacer la page' }).click();
    await page.getByText('Page remplacée. Le lien reste le même.').waitFor();
    assert.equal((await page.locator('.facts .link-text').innerText()).trim(), publicUrl);
    assert.match(await page.locator('.facts').innerText(), /La page peut apparaître dans les résultats de recherche\./);
    await page.frameLocator('iframe.page-preview').getByText('La veillée de Noël commence à 19 h').waitFor();

    const served = await fetch(publicUrl);
    assert.equal(served.status, 200);
    const html = await served.text();
    assert.match(html, /version corrigée/);
    assert.doesNotMatch(html, /18 h 30/);
    // The editor let search engines index the page, so it goes without X-Robots-Tag: noindex.
    assert.equal(served.headers.get('x-robots-tag'), null);
    assert.equal(await countRows(server, 'pages'), 1);
  });

  it('unpublishes after a confirmation, then publishes again', async () => {
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Retirer la page' }).click();
    await page.getByText('La page est retirée').waitFor();
    assert.match(question, /Retirer « Lettre de l'Avent » \?/);
    assert.match(await page.locator('.facts').innerText(), /Hors ligne/);
    // An unpublished page returns 404 at its public URL, as the API documents.
    assert.equal((await fetch(publicUrl)).status, 404);
    await assertNoSeriousViolations(page, 'unpublished page');
    await saveScreenshot(page, '13-page-retiree');

    await page.getByRole('button', { name: 'Remettre en ligne' }).click();
    await page.getByText('La page est de nouveau en ligne, au même lien.').waitFor();
    assert.equal((await fetch(publicUrl)).status, 200);
  });

  it('keeps the page when unpublishing is declined', async () => {
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.getByRole('button', { name: 'Retirer la page' }).click();
    assert.equal((await fetch(publicUrl)).status, 200);
    assert.match(await page.locator('.facts').innerText(), /En ligne/);
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('heading', { name: "Lettre de l'Avent", level: 1 }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.equal(overflow, 0);
    await page.frameLocator('iframe.page-preview').getByText('version corrigée').waitFor();
    // Chromium paints a frame below the viewport blank in a full-page screenshot, so it is brought into view.
    await page.locator('iframe.page-preview').scrollIntoViewIfNeeded();
    await saveScreenshot(page, '14-page-detail-telephone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('shows an error in French for a file that is no page', async () => {
    await page.getByRole('link', { name: '← Toutes les pages en ligne' }).click();
    await page.getByRole('heading', { name: 'Pages en ligne', level: 1 }).waitFor();
    // The screen moves the focus once it has rendered, which can come a moment after the heading shows.
    await page.waitForFunction("document.activeElement?.id === 'pages-title'", undefined, { timeout: 5000 });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    await dropFiles(page, '[data-testid=publish-drop-zone]', [{ name: 'bulletin.pdf', type: 'application/pdf', content: pdf }]);
    await page.getByRole('button', { name: 'Publier la page' }).click();
    const alert = page.getByRole('alert').filter({ hasText: "Ce fichier n'est pas une page web" });
    await alert.waitFor();
    // The server's own message names the file, so the editor sees which one was rejected.
    assert.match(await alert.innerText(), /bulletin\.pdf/);
    assert.equal(await countRows(server, 'pages'), 1);
  });

  it('shows the findings in English too', async () => {
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('heading', { name: 'Web pages', level: 1 }).waitFor();
    await dropFiles(page, '[data-testid=publish-drop-zone]', [{ name: 'lettre-avent.html', type: 'text/html', content: Buffer.from(FIRST_VERSION) }]);
    await page.getByRole('button', { name: 'Publish the page' }).click();
    await page.getByRole('heading', { name: '2 items to check before publishing' }).waitFor();
    assert.match(await page.locator('.finding[data-kind=civicrm-token]').innerText(), /Unrendered CiviCRM token/);
    await page.getByRole('button', { name: 'Cancel to fix the page' }).click();
    await page.getByRole('button', { name: 'Publish the page' }).waitFor();
    assert.equal(await countRows(server, 'pages'), 1);
    await page.getByLabel('Language').selectOption('fr');
  });

  it('reports no browser error', () => {
    // The 415 and 422 responses above are the expected results of the steps that request them.
    const unexpected = pageErrors.filter((error) => !/^(415|422) /.test(error));
    assert.deepEqual(unexpected, []);
  });
});
