import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { launchChromium } from '../support/browser.js';
import { photo } from '../support/images.js';
import { bearer, startTestServer, TEST_PASSWORD, type TestServer } from '../support/test-server.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';
import { assertNoSeriousViolations, openContext, saveScreenshot, signInThroughForm } from '../support/web-interface.js';

/** The members of an API media that these tests read. */
interface UploadedMedia {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly visibility: string;
  readonly trashedAt: string | null;
}

/** Sizes of the detail panel's facts list, measured in the browser, in CSS pixels. */
interface FactsLayout {
  readonly listWidth: number;
  /** Width of the longest line of text among the labels. */
  readonly widestLabel: number;
  readonly dimensionsWidth: number;
  /** Lines taken by the first text of the dimensions value, the size readers get. */
  readonly dimensionsLines: number;
  readonly linkWidth: number;
  readonly linkLines: number;
  /** Pixels by which the panel's content is wider than the panel, 0 when nothing sticks out. */
  readonly panelOverflow: number;
}

/** Script measuring the facts list in the browser, given as text because the tests compile without the DOM's types. */
const MEASURE_FACTS = `(() => {
  const panel = document.querySelector('aside.detail');
  const list = panel.querySelector('.facts');
  const terms = [...list.querySelectorAll('dt')];
  const valueOf = (label) => terms.find((term) => term.textContent.trim() === label).nextElementSibling;
  const linesOf = (range) => new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  const textWidthOf = (element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return Math.max(...[...range.getClientRects()].map((rect) => rect.width));
  };
  const dimensions = valueOf('Dimensions');
  const firstText = document.createTreeWalker(dimensions, NodeFilter.SHOW_TEXT).nextNode();
  const dimensionsRange = document.createRange();
  dimensionsRange.selectNodeContents(firstText);
  const link = panel.querySelector('.link-text');
  const linkRange = document.createRange();
  linkRange.selectNodeContents(link);
  return {
    listWidth: list.getBoundingClientRect().width,
    widestLabel: Math.max(...terms.map(textWidthOf)),
    dimensionsWidth: dimensions.getBoundingClientRect().width,
    dimensionsLines: linesOf(dimensionsRange),
    linkWidth: link.getBoundingClientRect().width,
    linkLines: linesOf(linkRange),
    panelOverflow: panel.scrollWidth - panel.clientWidth,
  };
})()`;

describe('web interface, media detail', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let kermesse: UploadedMedia;
  let register: UploadedMedia;
  let bulletin: UploadedMedia;

  const uploadAsAdmin = async (name: string, content: Buffer | string, fields: Record<string, string> = {}): Promise<UploadedMedia> => {
    const response = await upload(server, { name, content, fields, token: server.adminToken });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as UploadedMedia;
  };

  const readMedia = async (id: string): Promise<UploadedMedia> => {
    const response = await fetch(`${server.url}/api/v1/media/${id}`, { headers: bearer(server.adminToken) });
    assert.equal(response.status, 200);
    return (await response.json()) as UploadedMedia;
  };

  const openDetail = async (media: UploadedMedia) => {
    await page.goto(`/#/media/${media.id}`);
    const panel = page.getByRole('complementary');
    await panel.getByRole('heading', { name: media.name }).waitFor();
    return panel;
  };

  before(async () => {
    server = await startTestServer();
    bulletin = await uploadAsAdmin('Bulletin de septembre.pdf', MINIMAL_PDF);
    register = await uploadAsAdmin('Registre des baptêmes.jpg', await photo('#704214', 800, 600), { visibility: 'private' });
    kermesse = await uploadAsAdmin('Kermesse paroissiale été 2026.jpg', await photo('#c0392b', 3000, 4000));
    browser = await launchChromium();
    context = await openContext(browser, server.url);
    page = await context.newPage();
    await signInThroughForm(page, 'editor@example.org', TEST_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const [width, height] of [
    [390, 844],
    [1280, 860],
    [1366, 768],
    [1600, 900],
  ] as const) {
    it(`lays out the facts at ${width} px`, async () => {
      await page.setViewportSize({ width, height });
      await openDetail(kermesse);
      const layout = await page.evaluate<FactsLayout>(MEASURE_FACTS);
      assert.equal(layout.dimensionsLines, 1, `the dimensions take ${layout.dimensionsLines} lines`);
      assert.ok(layout.dimensionsWidth >= 150, `the dimensions column is ${layout.dimensionsWidth} px wide`);
      assert.ok(layout.widestLabel <= layout.listWidth / 2, `a label is ${layout.widestLabel} px wide in a list of ${layout.listWidth} px`);
      assert.ok(layout.linkWidth >= layout.listWidth - 1, `the link is ${layout.linkWidth} px wide in a list of ${layout.listWidth} px`);
      assert.ok(layout.linkLines <= 4, `the link takes ${layout.linkLines} lines`);
      assert.equal(layout.panelOverflow, 0);
      await saveScreenshot(page, `20-detail-faits-${width}`);
    });
  }

  it('shows served and original dimensions', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    const panel = await openDetail(kermesse);
    const facts = await panel.locator('.facts').innerText();
    assert.match(facts, /Dimensions\s+1200 × 1600 pixels\s+original : 3000 × 4000 pixels/);
    assert.match(facts, /Poids\s+\d+ Ko\s+original : \d+ Ko/);
    await panel.getByText('Le lien donne une version allégée').waitFor();
  });

  it('shows link decoded, copies it encoded', async () => {
    const panel = await openDetail(kermesse);
    assert.match(kermesse.url, /\/Kermesse%20paroissiale%20%C3%A9t%C3%A9%202026\.jpg$/);
    const shownLink = (await panel.locator('.link-text').innerText()).trim();
    assert.equal(shownLink, kermesse.url.replace(/\/[^/]+$/, '/Kermesse paroissiale été 2026.jpg'));
    assert.equal(await panel.locator('.link-text a').getAttribute('href'), kermesse.url);

    // Copying the whole link shown by hand also puts the exact URL on the clipboard.
    await page.evaluate(`navigator.clipboard.writeText('')`);
    await page.evaluate(`(() => {
      getSelection().selectAllChildren(document.querySelector('.link-text a'));
      document.execCommand('copy');
    })()`);
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), kermesse.url);

    await page.evaluate(`navigator.clipboard.writeText('')`);
    await panel.getByRole('button', { name: 'Copier le lien' }).click();
    await panel.getByText('Lien copié').waitFor();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), kermesse.url);
  });

  it('says how to copy by hand when the browser refuses', async () => {
    const panel = await openDetail(kermesse);
    await page.evaluate(`(() => {
      navigator.clipboard.writeText = () => Promise.reject(new Error('denied'));
      document.execCommand = () => false;
    })()`);
    await panel.getByRole('button', { name: 'Copier le lien' }).click();
    await panel.getByText('Le navigateur a refusé la copie : sélectionnez le texte et copiez-le à la main.').waitFor();
    assert.doesNotMatch(await panel.innerText(), /erreur inattendue/);
    await page.reload();
  });

  it('warns against mailing a private link', async () => {
    const panel = await openDetail(register);
    assert.equal((await fetch(register.url)).status, 404);
    assert.equal(await panel.getByText('Lien public').count(), 0);
    await panel.locator('.facts dt', { hasText: 'Lien privé' }).waitFor();
    const notice = panel.locator('.private-notice');
    assert.match(await notice.innerText(), /ne s'ouvre que pour les personnes connectées à Vitrail/);
    assert.match(await notice.innerText(), /Ne le mettez pas dans un mailing/);

    await panel.getByRole('button', { name: 'Copier le lien privé' }).click();
    await panel.getByText('Lien privé copié').waitFor();
    const linkCopied = await panel.locator('.detail-status').innerText();
    assert.match(linkCopied, /personnes connectées à Vitrail/);
    assert.doesNotMatch(linkCopied, /collez-le dans votre mailing/);
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), register.url);

    await panel.getByRole('button', { name: 'Copier le code HTML' }).click();
    await panel.getByText('Code HTML copié').waitFor();
    assert.match(await panel.locator('.detail-status').innerText(), /privée : elle ne s'affichera pas/);
    await assertNoSeriousViolations(page, 'private detail');
    await saveScreenshot(page, '21-detail-prive');
  });

  it('reports a declined change as not saved', async () => {
    // An anonymous fetch makes the server ask for a confirmation before the media becomes private.
    assert.equal((await fetch(kermesse.url)).status, 200);
    const panel = await openDetail(kermesse);
    await panel.getByLabel('Visibilité').selectOption('private');
    page.once('dialog', (dialog) => void dialog.dismiss());
    await panel.getByRole('button', { name: 'Enregistrer' }).click();
    await panel.getByText('Annulé : rien n\'a été enregistré.').waitFor();
    assert.doesNotMatch(await panel.innerText(), /Modifications enregistrées/);
    assert.equal(await panel.getByLabel('Visibilité').inputValue(), 'public');
    assert.equal((await readMedia(kermesse.id)).visibility, 'public');
  });

  it('reports a declined trash as not done', async () => {
    const panel = await openDetail(kermesse);
    page.once('dialog', (dialog) => void dialog.dismiss());
    await panel.getByRole('button', { name: 'Mettre à la corbeille' }).click();
    await panel.getByText('Annulé : le fichier reste dans la médiathèque').waitFor();
    assert.doesNotMatch(await panel.innerText(), /est dans la corbeille/);
    assert.equal((await readMedia(kermesse.id)).trashedAt, null);
  });

  it('hides alternative text for a PDF', async () => {
    const panel = await openDetail(bulletin);
    await panel.getByLabel('Nom du fichier').waitFor();
    assert.equal(await panel.getByLabel('Texte alternatif').count(), 0);
    assert.equal(await panel.getByText('Texte alternatif').count(), 0);
  });

  it('reports a trash and undoes it', async () => {
    const panel = await openDetail(bulletin);
    await panel.getByRole('button', { name: 'Mettre à la corbeille' }).click();
    await page.getByRole('complementary').waitFor({ state: 'detached' });
    const notice = page.locator('.library-notice');
    await notice.getByText('« Bulletin de septembre.pdf » est dans la corbeille.').waitFor();
    assert.equal(await notice.getByRole('link', { name: 'Voir la corbeille' }).getAttribute('href'), '#/trash');
    assert.notEqual((await readMedia(bulletin.id)).trashedAt, null);
    await assertNoSeriousViolations(page, 'library after a trash');
    await saveScreenshot(page, '22-corbeille-annuler');

    await notice.getByRole('button', { name: 'Annuler' }).click();
    await notice.getByText('« Bulletin de septembre.pdf » est restauré').waitFor();
    await page.getByRole('link', { name: /Bulletin de septembre\.pdf/ }).waitFor();
    assert.equal((await readMedia(bulletin.id)).trashedAt, null);
  });
});
