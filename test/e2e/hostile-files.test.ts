import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { DEFAULT_ALLOWED_TYPES } from '../../src/media/media-types.js';
import { launchChromium } from '../support/browser.js';
import { hostileFiles, markerScript, PWNED_MARKER, type HostileFile } from '../support/hostile-files.js';
import { startShippedMirrorNginx, type RunningNginx } from '../support/nginx.js';
import { sendPage } from '../support/pages.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';
import { signInThroughForm } from '../support/web-interface.js';
import { buildZip } from '../support/zips.js';
import { bearer, startTestServer, TEST_PASSWORD, type TestServer } from '../support/test-server.js';

/** Types a browser shows without running script. Anything else must carry the sandbox policy. */
const INLINE_SAFE_TYPE = /^(image\/(jpeg|png|gif|webp|avif)|application\/pdf|audio\/.+|video\/.+)$/;

/**
 * Types an administrator could add to the default list. Allowing them here lets the XML and zip cases
 * be stored and served, so the serving side is tested for them too.
 */
const WIDENED_ALLOWED_TYPES = [...DEFAULT_ALLOWED_TYPES, 'application/xml', 'application/zip'].join(',');

interface MediaJson {
  readonly id: string;
  readonly name: string;
  readonly mime: string;
  readonly url: string;
  readonly thumbnailPath: string | null;
  readonly folder: string;
}

/** What the upload of one hostile file gave. */
interface UploadOutcome {
  readonly file: HostileFile;
  readonly status: number;
  readonly code: string | null;
  readonly media: MediaJson | null;
}

/** What a page showed of the markers once loaded. */
interface Markers {
  readonly url: string;
  /** null when the browser downloaded the response instead of showing it. */
  readonly status: number | null;
  readonly contentType: string | null;
  readonly title: string;
  readonly windowName: string;
  /** Alerts and other JavaScript dialogs the page opened, counted until the page closes. */
  readonly dialogs: { count: number };
}

/**
 * A loopback server that records every request it gets (the hits of hostile scripts), and serves each
 * hostile file without any protection at /control/<key> for the control case.
 */
class HitRecorder {
  readonly hits: string[] = [];
  private readonly server: http.Server;
  private controls = new Map<string, HostileFile>();

  constructor() {
    this.server = http.createServer((request, response) => {
      const url = request.url ?? '/';
      const control = /^\/control\/([\w-]+)$/.exec(url);
      const file = control === null ? undefined : this.controls.get(control[1] ?? '');
      if (file !== undefined && file.controlType !== null) {
        response.writeHead(200, { 'content-type': file.controlType }).end(file.content);
        return;
      }
      if (url !== '/favicon.ico') this.hits.push(url);
      response.writeHead(204).end();
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  serveControls(files: readonly HostileFile[]): void {
    this.controls = new Map(files.map((file) => [file.key, file]));
  }

  clear(): void {
    this.hits.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Opens a URL in a new page and reads the title and window name once loaded. A response the browser
 * downloads instead of showing loads nothing, which counts as no script. The page stays open, so a
 * script that runs late (a PDF's OpenAction) still has time to send its hit before the caller checks.
 */
async function openAndReadMarkers(context: BrowserContext, url: string, openPages: Page[]): Promise<Markers> {
  const page = await context.newPage();
  openPages.push(page);
  const dialogs = { count: 0 };
  page.on('dialog', (dialog) => {
    dialogs.count += 1;
    void dialog.dismiss().catch(() => undefined);
  });
  let response = null;
  try {
    response = await page.goto(url, { waitUntil: 'load' });
  } catch (error) {
    if (!/Download is starting|net::ERR_ABORTED/.test(String(error))) throw error;
  }
  // Read as text: the tests compile without the DOM library.
  const windowName = await page.evaluate<string>('window.name');
  return {
    url,
    status: response?.status() ?? null,
    contentType: response?.headers()['content-type'] ?? null,
    title: await page.title(),
    windowName,
    dialogs,
  };
}

/** Waits for late hits, then closes the pages a test opened. */
async function settle(openPages: Page[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await Promise.all(openPages.splice(0).map((page) => page.close()));
}

/** Reads the localStorage key a hostile script would set on an origin, from an ordinary page of that origin. */
async function storedMarker(context: BrowserContext, origin: string): Promise<string | null> {
  const page = await context.newPage();
  try {
    await page.goto(`${origin}/`, { waitUntil: 'load' });
    return await page.evaluate<string | null>(`localStorage.getItem('${PWNED_MARKER}')`);
  } finally {
    await page.close();
  }
}

function assertNoMarkers(visits: readonly Markers[]): void {
  for (const visit of visits) {
    assert.ok(visit.status === null || visit.status === 200, `${visit.url} answered ${visit.status}`);
    assert.ok(!visit.title.startsWith(PWNED_MARKER), `script ran at ${visit.url}: title ${visit.title}`);
    assert.ok(!visit.windowName.startsWith(PWNED_MARKER), `script ran at ${visit.url}: window.name ${visit.windowName}`);
    // NOTE: Chromium's PDF viewer runs a PDF's own JavaScript in PDFium's engine, whatever the response's
    // Content-Security-Policy, so its alert shows. That engine cannot reach the page's origin, and the
    // hit recorder shows that it reaches no server either.
    if (visit.contentType !== 'application/pdf') assert.equal(visit.dialogs.count, 0, `script ran at ${visit.url}: a dialog opened`);
  }
}

async function uploadMarkupInFields(server: TestServer, hitBase: string): Promise<MediaJson> {
  const script = markerScript('markup', hitBase).replaceAll('"', '&quot;');
  const response = await upload(server, {
    // A name keeps only what follows its last slash, so this script has none.
    name: `<img src="data:," onerror="document.title='${PWNED_MARKER}:markup-name'">.pdf`,
    content: MINIMAL_PDF,
    fields: { alt: `"><svg onload="${script}">`, folder: `<script>document.title='${PWNED_MARKER}:markup-folder'</script>` },
  });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as MediaJson;
}

async function uploadAll(server: TestServer, files: readonly HostileFile[]): Promise<UploadOutcome[]> {
  const outcomes: UploadOutcome[] = [];
  for (const file of files) {
    const response = await upload(server, { name: file.name, content: file.content, type: file.claimedType });
    const body = (await response.json()) as MediaJson & { error?: { code: string } };
    outcomes.push({ file, status: response.status, code: body.error?.code ?? null, media: response.status === 201 ? body : null });
  }
  return outcomes;
}

describe('hostile files, uploaded with the default allowed types', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  it('rejects each file not of its claimed type', async () => {
    const outcomes = await uploadAll(server, await hostileFiles('http://127.0.0.1:9'));
    const refused = outcomes.filter((outcome) => outcome.status !== 201).map((outcome) => outcome.file.key);
    // HTML has no type at all, XML and zip are not allowed, and a PNG signature alone is no PNG.
    assert.deepEqual(refused, ['png-signature-html', 'html-as-jpeg', 'html-as-pdf', 'html-named-html', 'xml-stylesheet', 'xhtml', 'html-zip']);
    for (const outcome of outcomes.filter((candidate) => candidate.status !== 201)) {
      assert.equal(outcome.status, 415, outcome.file.key);
      assert.equal(outcome.code, 'VITRAIL_MEDIA_TYPE_NOT_ALLOWED', outcome.file.key);
    }
  });
});

describe('hostile files opened in Chromium', () => {
  let workDir: string;
  let server: TestServer;
  let nginx: RunningNginx;
  let recorder: HitRecorder;
  let hitBase: string;
  let browser: Browser;
  let anonymous: BrowserContext;
  let files: HostileFile[];
  let stored: (UploadOutcome & { media: MediaJson })[];
  /** A plain PDF whose name, alt text and folder are HTML with script, which the interface must show as text. */
  let markup: MediaJson;
  const openPages: Page[] = [];

  before(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-hostile-'));
    // nginx workers started as root run as an unprivileged user, which must reach the mirror.
    await chmod(workDir, 0o755);
    const dataDir = path.join(workDir, 'data');
    const mirrorDir = path.join(workDir, 'public-mirror');
    await mkdir(dataDir);
    server = await startTestServer({ VITRAIL_DATA_DIR: dataDir, VITRAIL_PUBLIC_MIRROR_DIR: mirrorDir, VITRAIL_ALLOWED_TYPES: WIDENED_ALLOWED_TYPES });
    nginx = await startShippedMirrorNginx(path.join(workDir, 'nginx'), server.url, mirrorDir);
    recorder = new HitRecorder();
    hitBase = await recorder.start();
    files = await hostileFiles(hitBase);
    recorder.serveControls(files);
    const outcomes = await uploadAll(server, files);
    stored = outcomes.filter((outcome): outcome is UploadOutcome & { media: MediaJson } => outcome.media !== null);
    markup = await uploadMarkupInFields(server, hitBase);
    browser = await launchChromium();
    anonymous = await browser.newContext();
  });
  after(async () => {
    await browser?.close();
    await recorder?.close();
    await nginx?.stop();
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('runs the script of each file served without protection (control)', async () => {
    recorder.clear();
    const controlled = files.filter((file) => file.controlType !== null);
    const visits = [];
    for (const file of controlled) visits.push(await openAndReadMarkers(anonymous, `${hitBase}/control/${file.key}`, openPages));
    await settle(openPages);
    for (const file of controlled) {
      const visit = visits.find((candidate) => candidate.url.endsWith(`/control/${file.key}`));
      const ran =
        visit?.title === `${PWNED_MARKER}:${file.key}` || (visit?.dialogs.count ?? 0) > 0 || recorder.hits.some((hit) => hit.startsWith(`/hit/${file.key}`));
      assert.ok(ran, `control ${file.key}: no marker set, so the checks below could not see its script run`);
    }
  });

  it('stores the hostile files with headers that keep script from running', async () => {
    assert.deepEqual(
      stored.map((outcome) => outcome.file.key),
      ['svg', 'xml-stylesheet', 'xhtml', 'pdf-javascript', 'pdf-html', 'gif-html', 'jpeg-html', 'docx-html', 'png-named-html'],
    );
    for (const { file, media } of stored) {
      const response = await fetch(media.url);
      await response.arrayBuffer();
      assert.equal(response.status, 200, file.key);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', file.key);
      const type = response.headers.get('content-type') ?? '';
      if (!INLINE_SAFE_TYPE.test(type)) {
        assert.match(response.headers.get('content-security-policy') ?? '', /(^|;\s*)sandbox(;|$)/, `${file.key} served as ${type}`);
      }
      assert.doesNotMatch(type, /html/, `${file.key} served as ${type}`);
    }
  });

  it('runs no script at public URLs, variants and old paths', async () => {
    recorder.clear();
    // Old Drupal paths are recorded here as an import records them. The Drupal importer runs the same
    // upload checks, and its own tests cover it.
    await server.server.vitrail.db
      .insertInto('legacy_paths')
      .values(stored.map(({ file, media }) => ({ prefix: '/sites/default/files', path: `hostile/${file.key}/${media.name}`, media_id: media.id, created_at: new Date().toISOString() })))
      .execute();
    const visits: Markers[] = [];
    for (const { file, media } of stored) {
      visits.push(await openAndReadMarkers(anonymous, media.url, openPages));
      // The name segment is never trusted: an .html name must not change what is served.
      visits.push(await openAndReadMarkers(anonymous, `${server.url}/m/${media.id}/index.html`, openPages));
      if (media.thumbnailPath !== null) {
        visits.push(await openAndReadMarkers(anonymous, `${media.url}?w=40`, openPages));
        visits.push(await openAndReadMarkers(anonymous, `${server.url}/integrations/mosaico/img?method=resize&params=40,null&src=${encodeURIComponent(media.url)}`, openPages));
      }
      visits.push(await openAndReadMarkers(anonymous, `${server.url}/sites/default/files/hostile/${file.key}/${encodeURIComponent(media.name)}`, openPages));
    }
    await settle(openPages);
    assertNoMarkers(visits);
    assert.deepEqual(recorder.hits, []);
    assert.equal(await storedMarker(anonymous, server.url), null);
  });

  it('runs no script from the images of a hosted page', async () => {
    recorder.clear();
    const images = files.filter((file) => ['svg', 'gif-html', 'jpeg-html'].includes(file.key));
    const archive = await buildZip([
      { name: 'index.html', content: `<!DOCTYPE html><html><head><title>Lettre</title></head><body>${images.map((file) => `<img src="${file.name}" alt="">`).join('')}</body></html>` },
      ...images.map((file) => ({ name: file.name, content: file.content })),
    ]);
    const response = await sendPage(server, { name: 'lettre.zip', content: archive });
    assert.equal(response.status, 201, await response.clone().text());
    const page = (await response.json()) as { url: string };
    const html = await (await fetch(page.url)).text();
    const mediaUrls = [...html.matchAll(/src="([^"]+\/m\/[^"]+)"/g)].map((match) => match[1] ?? '');
    assert.equal(mediaUrls.length, images.length, html);

    const visits = [await openAndReadMarkers(anonymous, page.url, openPages)];
    for (const url of mediaUrls) visits.push(await openAndReadMarkers(anonymous, url.replaceAll('&amp;', '&'), openPages));
    await settle(openPages);
    assertNoMarkers(visits);
    assert.deepEqual(recorder.hits, []);
    assert.equal(await storedMarker(anonymous, server.url), null);
  });

  it('runs no script through the nginx public mirror', async () => {
    recorder.clear();
    const visits: Markers[] = [];
    const served: { key: string; direct: string | null; viaNginx: string | null; nosniff: string | null; status: number }[] = [];
    for (const { file, media } of stored) {
      const mirrored = `${nginx.url}${new URL(media.url).pathname}`;
      const [direct, viaNginx] = await Promise.all([fetch(media.url), fetch(mirrored)]);
      await Promise.all([direct.arrayBuffer(), viaNginx.arrayBuffer()]);
      served.push({
        key: file.key,
        direct: direct.headers.get('content-type'),
        viaNginx: viaNginx.headers.get('content-type'),
        nosniff: viaNginx.headers.get('x-content-type-options'),
        status: viaNginx.status,
      });
      visits.push(await openAndReadMarkers(anonymous, mirrored, openPages));
    }
    await settle(openPages);
    assertNoMarkers(visits);
    assert.deepEqual(recorder.hits, []);
    assert.equal(await storedMarker(anonymous, nginx.url), null);
    for (const response of served) {
      assert.equal(response.status, 200, response.key);
      assert.equal(response.viaNginx, response.direct, `${response.key}: Content-Type through nginx`);
      assert.equal(response.nosniff, 'nosniff', response.key);
    }
  });

  it('runs no script in the signed-in web interface', async () => {
    recorder.clear();
    // No bypassCSP here, unlike the other interface tests: the media's own policies are what is tested.
    const context = await browser.newContext({ baseURL: server.url, locale: 'fr-FR' });
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      const interfaceDialogs = { count: 0 };
      page.on('dialog', (dialog) => {
        interfaceDialogs.count += 1;
        void dialog.dismiss().catch(() => undefined);
      });
      await signInThroughForm(page, 'admin@example.org', TEST_PASSWORD);
      await page.getByRole('heading', { name: 'Médiathèque' }).waitFor();
      // Every thumbnail of the library loads on this screen, and the folder filter lists the folder.
      await page.locator('.grid li').nth(stored.length).waitFor();
      await page.getByText(markup.name, { exact: true }).first().waitFor();
      assert.ok((await page.locator('select option').allTextContents()).includes(markup.folder), 'the folder filter lists the folder as text');
      const visits: Markers[] = [];
      for (const media of [...stored.map((outcome) => outcome.media), markup]) {
        await page.goto(`/#/media/${encodeURIComponent(media.id)}`);
        await page.getByRole('heading', { name: media.name, exact: true }).waitFor();
        visits.push({
          url: page.url(),
          status: null,
          contentType: null,
          title: await page.title(),
          windowName: await page.evaluate<string>('window.name'),
          dialogs: interfaceDialogs,
        });
        // The download button's target, opened in a tab of the signed-in session, on the interface's origin.
        visits.push(await openAndReadMarkers(context, `/api/v1/media/${encodeURIComponent(media.id)}/original`, openPages));
      }

      // A replaced content stays readable as a version, on the same origin.
      const svg = files.find((file) => file.key === 'svg');
      assert.ok(svg !== undefined);
      const replaced = (await (await upload(server, { name: 'version.svg', content: svg.content })).json()) as MediaJson;
      const form = new FormData();
      form.append('file', new Blob([MINIMAL_PDF]), 'version.pdf');
      const replacing = await fetch(`${server.url}/api/v1/media/${replaced.id}/content`, { method: 'PUT', headers: bearer(server.editorToken), body: form });
      assert.equal(replacing.status, 200, await replacing.clone().text());
      const versions = (await (await fetch(`${server.url}/api/v1/media/${replaced.id}/versions`, { headers: bearer(server.editorToken) })).json()) as { items: { url: string }[] };
      const [earlier] = versions.items;
      assert.ok(earlier !== undefined);
      visits.push(await openAndReadMarkers(context, earlier.url, openPages));

      // The download button saves a misnamed PDF under an extension of its type, so that opening the
      // saved file does not open it as a web page.
      const polyglot = stored.find(({ file }) => file.key === 'pdf-html')?.media;
      assert.ok(polyglot !== undefined);
      await page.goto(`/#/media/${encodeURIComponent(polyglot.id)}`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Télécharger' }).click()]);
      assert.equal(download.suggestedFilename(), 'bulletin.html.pdf');
      await download.cancel();

      // CKEditor 4's image picker shows the public raster images of the library, on the same origin.
      await page.goto('/integrations/ckeditor4/browse?CKEditorFuncNum=1');
      const rasters = stored.filter(({ media }) => /^image\/(jpeg|png|gif)$/.test(media.mime));
      await page.locator('li img').nth(rasters.length - 1).waitFor();
      visits.push({ url: page.url(), status: null, contentType: null, title: await page.title(), windowName: await page.evaluate<string>('window.name'), dialogs: interfaceDialogs });

      await settle(openPages);
      assertNoMarkers(visits);
      assert.deepEqual(recorder.hits, []);
      assert.equal(await storedMarker(context, server.url), null);
    } finally {
      await context.close();
    }
  });
});
