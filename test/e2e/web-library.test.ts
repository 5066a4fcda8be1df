import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchChromium } from '../support/browser.js';
import { photo } from '../support/images.js';
import { assertNoSeriousViolations, dropFiles, openContext, saveScreenshot, signInThroughForm } from '../support/web-interface.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../support/test-server.js';

describe('web interface, library', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    context = await openContext(browser, server.url);
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the sign-in screen in French', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Vitrail' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.ok(await page.getByRole('button', { name: 'Se connecter' }).isVisible());
    await assertNoSeriousViolations(page, 'sign-in');
    await saveScreenshot(page, '01-connexion');
  });

  it('rejects a wrong password with a French message', async () => {
    await page.getByLabel('Adresse e-mail').fill('editor@example.org');
    await page.getByLabel('Mot de passe').fill('pas le bon mot de passe');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('alert').filter({ hasText: 'Adresse e-mail ou mot de passe incorrect.' }).waitFor();
  });

  it('signs in and shows the empty library', async () => {
    await signInThroughForm(page, 'admin@example.org', TEST_PASSWORD);
    await page.getByRole('heading', { name: 'Médiathèque' }).waitFor();
    await page.getByText('La médiathèque est vide').waitFor();
  });

  it('uploads two of three dropped files and explains the third', async () => {
    await dropFiles(page, '[data-testid=drop-zone]', [
      { name: 'Procession.jpg', type: 'image/jpeg', content: await photo('#8a2be2', 1200, 800) },
      { name: 'notes.txt', type: 'text/plain', content: Buffer.from('Compte rendu du conseil pastoral\n') },
      { name: 'Vitrail nord.jpg', type: 'image/jpeg', content: await photo('#2e8b57', 400, 300) },
    ]);
    await page.locator('.upload-item[data-status=done]').nth(1).waitFor();
    const failed = page.locator('.upload-item[data-status=failed]');
    await failed.waitFor();
    assert.equal(await failed.count(), 1);
    assert.match(await failed.innerText(), /notes\.txt[\s\S]*Ce fichier n'est ni une image reconnue ni un document accepté/);
    await page.getByRole('link', { name: /Procession\.jpg/ }).waitFor();
    await page.getByRole('link', { name: /Vitrail nord\.jpg/ }).waitFor();
    assert.equal(await page.locator('.grid li').count(), 2);
    await assertNoSeriousViolations(page, 'library');
    await saveScreenshot(page, '02-mediatheque-envoi');
  });

  it('flags a file already in the library with a link to it', async () => {
    await page.getByRole('button', { name: 'Effacer la liste' }).click();
    await dropFiles(page, '[data-testid=drop-zone]', [{ name: 'Copie.jpg', type: 'image/jpeg', content: await photo('#2e8b57', 400, 300) }]);
    const failed = page.locator('.upload-item[data-status=failed]');
    await failed.waitFor();
    assert.match(await failed.innerText(), /Ce fichier existe déjà : Vitrail nord\.jpg/);
    assert.equal(await failed.getByRole('link', { name: 'Voir le fichier existant' }).count(), 1);
    await page.getByRole('button', { name: 'Effacer la liste' }).click();
  });

  it('copies the link, which serves anonymously', async () => {
    await page.getByRole('link', { name: /Procession\.jpg/ }).click();
    const panel = page.getByRole('complementary');
    await panel.getByRole('heading', { name: 'Procession.jpg' }).waitFor();
    assert.match(await panel.innerText(), /1200 × 800 pixels/);
    assert.match(await panel.innerText(), /admin@example\.org/);
    await panel.getByRole('button', { name: 'Copier le lien' }).click();
    await panel.getByText('Lien copié').waitFor();
    const link = await page.evaluate<string>('navigator.clipboard.readText()');
    assert.match(link, new RegExp(`^${server.url}/m/[A-Za-z0-9_-]+/Procession\\.jpg$`));
    const anonymous = await fetch(link);
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.headers.get('content-type'), 'image/jpeg');
    await assertNoSeriousViolations(page, 'detail');
    await saveScreenshot(page, '03-detail');
  });

  it('copies an img snippet sized for a 600 px column', async () => {
    const panel = page.getByRole('complementary');
    await panel.getByLabel('Texte alternatif').fill('La procession du 15 août');
    await panel.getByRole('button', { name: 'Enregistrer' }).click();
    await panel.getByText('Modifications enregistrées').waitFor();
    await panel.getByRole('button', { name: 'Copier le code HTML' }).click();
    await panel.getByText('Code HTML copié').waitFor();
    const snippet = await page.evaluate<string>('navigator.clipboard.readText()');
    assert.match(snippet, /^<img src="http:\/\/127\.0\.0\.1:\d+\/m\/[A-Za-z0-9_-]+\/Procession\.jpg"/);
    assert.match(snippet, / alt="La procession du 15 août"/);
    assert.match(snippet, / width="600" height="400"/);
  });

  it('renames and the old link still serves', async () => {
    const panel = page.getByRole('complementary');
    const oldLink = (await panel.locator('.link-text').innerText()).trim();
    await panel.getByLabel('Nom du fichier').fill('Procession du 15 août.jpg');
    await panel.getByRole('button', { name: 'Enregistrer' }).click();
    await panel.getByRole('heading', { name: 'Procession du 15 août.jpg' }).waitFor();
    const newLink = (await panel.locator('.link-text').innerText()).trim();
    assert.notEqual(newLink, oldLink);
    assert.equal((await fetch(oldLink)).status, 200);
    assert.equal((await fetch(newLink)).status, 200);
  });

  it('moves to the trash after a warning, then restores', async () => {
    const panel = page.getByRole('complementary');
    const link = (await panel.locator('.link-text').innerText()).trim();
    // The link was fetched anonymously above, so the server asks for a confirmation, which the page requests.
    // The dialog is accepted from its event, since it may open before click() returns.
    let warning = '';
    page.once('dialog', (dialog) => {
      warning = dialog.message();
      void dialog.accept();
    });
    await panel.getByRole('button', { name: 'Mettre à la corbeille' }).click();
    await page.getByRole('complementary').waitFor({ state: 'detached' });
    assert.match(warning, /Des lecteurs ont ouvert ce fichier ces derniers jours/);
    await page.getByRole('complementary').waitFor({ state: 'detached' });
    // A trashed media answers 410 Gone, so mail clients and proxies stop asking.
    assert.equal((await fetch(link)).status, 410);

    await page.getByRole('navigation').getByRole('link', { name: 'Corbeille' }).click();
    await page.getByRole('heading', { name: 'Corbeille' }).waitFor();
    await page.locator('.row-title', { hasText: 'Procession du 15 août.jpg' }).waitFor();
    await assertNoSeriousViolations(page, 'trash');
    await saveScreenshot(page, '04-corbeille');
    await page.getByRole('button', { name: 'Restaurer Procession du 15 août.jpg' }).click();
    await page.getByText('La corbeille est vide.').waitFor();
    assert.equal((await fetch(link)).status, 200);
  });

  it('deletes for good from the trash', async () => {
    await page.getByRole('link', { name: 'Médiathèque' }).click();
    await page.getByRole('link', { name: /Vitrail nord\.jpg/ }).click();
    const panel = page.getByRole('complementary');
    const link = (await panel.locator('.link-text').innerText()).trim();
    await panel.getByRole('button', { name: 'Mettre à la corbeille' }).click();
    await page.getByRole('complementary').waitFor({ state: 'detached' });
    await page.getByRole('navigation').getByRole('link', { name: 'Corbeille' }).click();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Supprimer définitivement Vitrail nord.jpg' }).click();
    await page.getByText('« Vitrail nord.jpg » est supprimé définitivement.').waitFor();
    assert.equal((await fetch(link)).status, 410);
    const rows = await server.server.vitrail.db.selectFrom('media').select('name').execute();
    assert.deepEqual(rows.map((row) => row.name), ['Procession du 15 août.jpg']);
  });

  it('shows the users and tokens screens to an admin', async () => {
    await page.getByRole('link', { name: 'Utilisateurs' }).click();
    await page.getByRole('heading', { name: 'Utilisateurs' }).waitFor();
    await page.locator('.row-title', { hasText: 'editor@example.org' }).waitFor();
    await assertNoSeriousViolations(page, 'users');
    await saveScreenshot(page, '05-utilisateurs');

    await page.getByLabel('Adresse e-mail').fill('benevole@example.org');
    await page.getByLabel('Mot de passe provisoire').fill('une phrase assez longue');
    await page.getByRole('button', { name: 'Ajouter', exact: true }).click();
    await page.getByText('benevole@example.org peut maintenant se connecter.').waitFor();
    await page.getByRole('button', { name: 'Désactiver benevole@example.org' }).click();
    await page.getByRole('button', { name: 'Réactiver benevole@example.org' }).waitFor();
    const disabled = await server.server.vitrail.users.requireUser('benevole@example.org');
    assert.notEqual(disabled.disabled_at, null);

    await page.getByRole('link', { name: "Jetons d'API" }).click();
    await page.getByLabel('Nom du jeton').fill('CiviCRM de la paroisse');
    await page.getByRole('button', { name: 'Créer le jeton' }).click();
    const token = (await page.locator('.token-value').innerText()).trim();
    assert.match(token, /^vtr_/);
    assert.equal((await fetch(`${server.url}/api/v1/media`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    await assertNoSeriousViolations(page, 'tokens');
    await saveScreenshot(page, '06-jetons');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Révoquer CiviCRM de la paroisse' }).click();
    await page.getByText('Le jeton « CiviCRM de la paroisse » est révoqué.').waitFor();
    assert.equal((await fetch(`${server.url}/api/v1/media`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
  });

  it('shows the account screen', async () => {
    await page.getByRole('link', { name: 'Mon compte' }).click();
    await page.getByRole('heading', { name: 'Changer de mot de passe' }).waitFor();
    await assertNoSeriousViolations(page, 'account');
    await saveScreenshot(page, '07-mon-compte');
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Médiathèque' }).click();
    await page.locator('.grid li').first().waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.equal(overflow, 0);
    await saveScreenshot(page, '08-mediatheque-telephone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('switches to English and back', async () => {
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.reload();
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('heading', { name: 'Médiathèque' }).waitFor();
  });

  it('is usable with the keyboard alone', async () => {
    await page.goto('/#/');
    await page.reload();
    await page.getByRole('heading', { name: 'Médiathèque' }).waitFor();
    await page.locator('.grid .tile').first().waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement.textContent'), 'Aller au contenu');
    // Tabs through the navigation, the tools, the upload button and the filters to the first tile.
    let reached = '';
    for (let step = 0; step < 25 && !reached.includes('tile'); step += 1) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate<string>('document.activeElement.className');
    }
    assert.ok(reached.includes('tile'), 'the first tile of the grid is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.locator('#detail-title').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('complementary').waitFor({ state: 'detached' });
  });

  it('follows an English browser', async () => {
    const englishContext = await openContext(browser, server.url, 'en-US');
    try {
      const englishPage = await englishContext.newPage();
      await englishPage.goto('/');
      await englishPage.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.equal(await englishPage.getAttribute('html', 'lang'), 'en');
    } finally {
      await englishContext.close();
    }
  });

  it('hides the admin screens from an editor', async () => {
    const editorContext = await openContext(browser, server.url);
    try {
      const editorPage = await editorContext.newPage();
      await signInThroughForm(editorPage, 'editor@example.org', TEST_PASSWORD);
      const navigation = editorPage.getByRole('navigation');
      assert.equal(await navigation.getByRole('link', { name: 'Utilisateurs' }).count(), 0);
      assert.equal(await navigation.getByRole('link', { name: "Jetons d'API" }).count(), 0);
      await editorPage.goto('/#/users');
      await editorPage.getByRole('heading', { name: 'Médiathèque' }).waitFor();
      assert.equal(await editorPage.getByRole('heading', { name: 'Utilisateurs' }).count(), 0);
      const trashRow = editorPage.getByRole('button', { name: /Supprimer définitivement/ });
      await editorPage.getByRole('link', { name: 'Corbeille' }).click();
      assert.equal(await trashRow.count(), 0);
    } finally {
      await editorContext.close();
    }
  });
});
