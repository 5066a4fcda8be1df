import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

import PostalMime from 'postal-mime';
import sharp from 'sharp';

import { buildMailing, type Mailing } from '../support/mailing.js';
import { countRows } from '../support/pages.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

interface ExternalizeJson {
  kind: string;
  content: string;
  bytesBefore: number;
  bytesAfter: number;
  dimensionsAdded: number;
  images: { reference: string; url: string; mediaId: string; bytes: number; reused: boolean }[];
}

const runFile = promisify(execFile);
const CLI = new URL('../../../bin/vitrail.js', import.meta.url);

async function externalize(server: TestServer, name: string, content: Buffer | string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([typeof content === 'string' ? Buffer.from(content) : content]), name);
  return fetch(`${server.url}/api/v1/externalize`, { method: 'POST', headers: bearer(server.editorToken), body: form });
}

describe('POST /api/v1/externalize', () => {
  let server: TestServer;
  let mailing: Mailing;

  before(async () => {
    server = await startTestServer({ VITRAIL_MAX_UPLOAD_BYTES: String(4 * 1024 * 1024) });
    mailing = await buildMailing();
  });
  after(async () => {
    await server.close();
  });

  it('makes a 1 MB .eml lighter than 30 KB', async () => {
    const imageBytes = mailing.images.reduce((sum, image) => sum + image.bytes.length, 0);
    assert.ok(imageBytes > 900_000, `about 1 MB of images, got ${imageBytes} bytes`);
    assert.ok(imageBytes < 1_200_000, `about 1 MB of images, got ${imageBytes} bytes`);

    const response = await externalize(server, 'nouvelles.eml', mailing.eml);
    assert.equal(response.status, 200, await response.clone().text());
    const report = (await response.json()) as ExternalizeJson;
    assert.equal(report.kind, 'eml');
    assert.equal(report.bytesBefore, mailing.eml.length);
    assert.ok(report.bytesAfter < 30 * 1024, `${report.bytesAfter} bytes after`);
    assert.equal(report.bytesAfter, Buffer.byteLength(report.content));
    assert.equal(report.images.length, 3);
    assert.equal(report.dimensionsAdded, 2);

    for (const [index, moved] of report.images.entries()) {
      assert.equal(moved.reference, `cid:${mailing.images[index]?.cid}`);
      assert.equal(moved.reused, false);
      const fetched = await fetch(moved.url);
      assert.equal(fetched.status, 200, 'fetched anonymously');
      assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), mailing.images[index]?.bytes);
    }

    const lighter = await PostalMime.parse(report.content);
    assert.equal(lighter.subject, 'Nouvelles de décembre');
    assert.equal(lighter.messageId, '<nouvelles-decembre@paroisse.example.org>');
    assert.equal(lighter.text?.trim(), 'Chers amis, voici les nouvelles.');
    assert.deepEqual(lighter.attachments.map((attachment) => attachment.filename), ['programme.pdf'], 'only the PDF stays attached');
    assert.match(report.content, /^List-Unsubscribe: <mailto:unsubscribe@paroisse\.example\.org>\r$/m);
    const html = lighter.html ?? '';
    assert.ok(!html.includes('cid:'));
    for (const moved of report.images) assert.ok(html.includes(moved.url));
    assert.match(html, /<img width="320" height="280" src="http[^"]+" style="display:block;width:320px" alt="Bannière">/);
    assert.match(html, /<img width="150" height="150" src='[^']+' STYLE="width: 150px; height: 150px" alt="Photo 2">|<img width="150" height="150" src="[^"]+" STYLE="width: 150px; height: 150px" alt="Photo 2">/);
  });

  it('stores identical images once', async () => {
    const before = await countRows(server, 'media');
    const response = await externalize(server, 'nouvelles-bis.eml', mailing.eml);
    const report = (await response.json()) as ExternalizeJson;
    assert.deepEqual(report.images.map((image) => image.reused), [true, true, true]);
    assert.equal(await countRows(server, 'media'), before);
  });

  it('rewrites data: images and keeps every other byte of the HTML', async () => {
    const png = await sharp({ create: { width: 12, height: 10, channels: 3, background: '#123456' } }).png().toBuffer();
    const dataUrl = `data:image/png;base64,${png.toString('base64')}`;
    const html = `\uFEFF<html>\r\n<BODY>\n  <img   SRC="${dataUrl}"  alt='a &amp; b'>\n<img src="https://cdn.example.org/x.png">\n<p>Texte   gardé <b>tel quel</p>\n</html>`;
    const response = await externalize(server, 'lettre.html', html);
    const report = (await response.json()) as ExternalizeJson;
    assert.equal(report.kind, 'html');
    const url = report.images[0]?.url ?? '';
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/m\/[A-Za-z0-9_-]+\/image\.png$/);
    assert.equal(report.content, html.replace(`SRC="${dataUrl}"`, `src="${url}"`));
  });

  it('rejects a binary file', async () => {
    const response = await externalize(server, 'photo.jpg', mailing.images[0]?.bytes ?? Buffer.alloc(0));
    assert.equal(response.status, 415);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'VITRAIL_EXTERNALIZE_NOT_SUPPORTED');
  });
});

describe('vitrail externalize', () => {
  let server: TestServer;
  let folder: string;

  before(async () => {
    server = await startTestServer();
    folder = await mkdtemp(path.join(os.tmpdir(), 'vitrail-externalize-'));
  });
  after(async () => {
    await server.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('moves local images given on the command line', async () => {
    const logo = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#aa3300' } }).png().toBuffer();
    await mkdir(path.join(folder, 'images'));
    await writeFile(path.join(folder, 'images', 'logo.png'), logo);
    await writeFile(path.join(folder, 'images', 'secret.png'), logo);
    const html = '<p><img src="images/logo.png" alt="logo"> <img src="images/secret.png" alt="not given"></p>';
    await writeFile(path.join(folder, 'lettre.html'), html);

    const { stdout } = await runFile(
      process.execPath,
      [CLI.pathname, 'externalize', path.join(folder, 'lettre.html'), path.join(folder, 'images', 'logo.png'), '--user', 'editor@example.org'],
      { env: { ...process.env, VITRAIL_DATA_DIR: server.dataDir, VITRAIL_PUBLIC_URL: server.url, VITRAIL_LOG_LEVEL: 'error' } },
    );
    assert.match(stdout, /images\/logo\.png/);
    assert.match(stdout, /1 image\(s\) moved/);

    const lighter = await readFile(path.join(folder, 'lettre.light.html'), 'utf8');
    const url = /src="(http[^"]+)"/.exec(lighter)?.[1] ?? '';
    assert.match(url, /\/m\/[A-Za-z0-9_-]+\/logo\.png$/);
    assert.ok(lighter.includes('src="images/secret.png"'), 'a file not given on the command line stays as it is');
    const fetched = await fetch(url);
    assert.equal(fetched.status, 200);
    assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), logo);
  });

  it('never overwrites an existing output', async () => {
    await writeFile(path.join(folder, 'deja.html'), '<p>x</p>');
    await writeFile(path.join(folder, 'deja.light.html'), 'kept');
    const failure = await runFile(process.execPath, [CLI.pathname, 'externalize', path.join(folder, 'deja.html'), '--user', 'editor@example.org'], {
      env: { ...process.env, VITRAIL_DATA_DIR: server.dataDir, VITRAIL_PUBLIC_URL: server.url },
    }).then(
      () => null,
      (error: unknown) => error as { code: number; stderr: string },
    );
    assert.equal(failure?.code, 2);
    assert.match(failure?.stderr ?? '', /deja\.light\.html" already exists: remove it, or choose another file with --output/);
    assert.equal(await readFile(path.join(folder, 'deja.light.html'), 'utf8'), 'kept');
  });
});
