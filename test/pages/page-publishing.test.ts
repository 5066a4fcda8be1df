import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import iconv from 'iconv-lite';
import sharp from 'sharp';

import { blobFiles, countRows, sendPage } from '../support/pages.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';
import { stagingLeftovers } from '../support/uploads.js';
import { buildZip } from '../support/zips.js';

interface FindingJson {
  id: string;
  kind: string;
  text: string;
  where: { element: string; attribute: string | null; line: number | null };
  occurrences: number;
}

interface ErrorJson {
  error: { code: string; message: string; findings?: FindingJson[] };
}

interface PageJson {
  id: string;
  slug: string;
  title: string;
  url: string;
  status: string;
  createdBy?: { id: string; email: string } | null;
  indexable: boolean;
  confirmedFindings: FindingJson[];
}

const PERSONAL_PAGE = `<!doctype html><html><head><title>Lettre de l'Avent</title></head><body>
<p>Bonjour {contact.first_name},</p>
<p><a href="https://paroisse.example.org/civicrm/event/register?id=4&amp;cid=12&amp;cs=abc">Je m'inscris</a></p>
</body></html>`;

async function pngOf(colour: string, width = 40, height = 30): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
}

async function errorOf(response: Response): Promise<ErrorJson['error']> {
  const body = (await response.json()) as ErrorJson;
  return body.error;
}

async function assertNothingWritten(server: TestServer): Promise<void> {
  assert.equal(await countRows(server, 'pages'), 0, 'no page row');
  assert.equal(await countRows(server, 'media'), 0, 'no media row');
  assert.deepEqual(await blobFiles(server), [], 'no blob');
  assert.deepEqual(await stagingLeftovers(server), [], 'no staged file left');
}

describe('personal-data check', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ VITRAIL_PAGE_ALLOWLIST: 'secretariat@paroisse.example.org, 01 23 45 67 89' });
  });
  after(async () => {
    await server.close();
  });

  it('rejects a token and a checksum link, then publishes once both are confirmed', async () => {
    const refused = await sendPage(server, { name: 'avent.html', content: PERSONAL_PAGE });
    assert.equal(refused.status, 422);
    const error = await errorOf(refused);
    assert.equal(error.code, 'VITRAIL_PAGE_PERSONAL_DATA');
    const findings = error.findings ?? [];
    const kinds = findings.map((finding) => finding.kind).sort();
    assert.deepEqual(kinds, ['civicrm-token', 'contact-checksum']);
    const token = findings.find((finding) => finding.kind === 'civicrm-token');
    assert.equal(token?.text, '{contact.first_name}');
    assert.equal(token?.where.element, 'p');
    assert.equal(token?.where.line, 2);
    const checksum = findings.find((finding) => finding.kind === 'contact-checksum');
    assert.equal(checksum?.where.element, 'a');
    assert.equal(checksum?.where.attribute, 'href');
    assert.ok(!(checksum?.text ?? '').includes('cs=abc'), `the checksum is masked: ${checksum?.text}`);
    assert.equal(await countRows(server, 'pages'), 0);

    const partly = await sendPage(server, { name: 'avent.html', content: PERSONAL_PAGE, fields: { confirm: token?.id ?? '' } });
    assert.equal(partly.status, 422);
    assert.deepEqual((await errorOf(partly)).findings?.map((finding) => finding.kind), ['contact-checksum']);

    const confirmed = await sendPage(server, {
      name: 'avent.html',
      content: PERSONAL_PAGE,
      fields: { confirm: findings.map((finding) => finding.id).join(',') },
    });
    assert.equal(confirmed.status, 201);
    const page = (await confirmed.json()) as PageJson;
    assert.equal(page.title, "Lettre de l'Avent");
    assert.match(page.slug, /^lettre-de-l-avent-[a-z0-9]{14}$/);
    assert.equal(page.url, `${server.url}/p/${page.slug}/`);
    assert.equal(page.confirmedFindings.length, 2);

    const served = await fetch(page.url);
    assert.equal(served.status, 200);
    assert.match(await served.text(), /Bonjour \{contact\.first_name\}/);
  });

  it('reports tracking links, addresses, phones and IBANs', async () => {
    const html = `<html><body>
<img src="https://paroisse.example.org/civicrm/mailing/open?q=42" alt="">
<a href="https://paroisse.example.org/civicrm/mailing/url?u=7&amp;qid=9876">lien</a>
<a href="https://paroisse.example.org/index.php?q=civicrm/mailing/unsubscribe&amp;reset=1&amp;jid=1&amp;qid=2&amp;h=5f3c">Se désinscrire</a>
<p>Écrire à jean.dupont@example.net ou au 06 12 34 56 78, ou +33 (0)6 98 76 54 32.</p>
<p>Don : FR76 3000 6000 0112 3456 7890 189</p>
<p>Secrétariat : secretariat@paroisse.example.org, 01.23.45.67.89</p>
<a href="mailto:marie@example.net">Marie</a>
</body></html>`;
    const response = await sendPage(server, { name: 'lettre.html', content: html });
    assert.equal(response.status, 422);
    const findings = (await errorOf(response)).findings ?? [];
    const byKind = new Map<string, string[]>();
    for (const finding of findings) byKind.set(finding.kind, [...(byKind.get(finding.kind) ?? []), finding.text]);
    assert.equal(byKind.get('civicrm-tracking-link')?.length, 3);
    assert.deepEqual(byKind.get('email-address'), ['j•••@e•••.net', 'm•••@e•••.net']);
    assert.deepEqual(byKind.get('phone-number'), ['06•••78', '+336•••32']);
    assert.deepEqual(byKind.get('iban'), ['FR76•••189']);
    for (const finding of findings) assert.match(finding.id, /^[0-9a-f]{16}$/);
  });

  it('publishes a page that only has allowed values', async () => {
    const html = '<p>Secrétariat : <a href="mailto:Secretariat@paroisse.example.org">écrire</a>, +33 1 23 45 67 89</p>';
    const response = await sendPage(server, { name: 'contact.html', content: html });
    assert.equal(response.status, 201);
  });

  it('ignores base64 images in CSS', async () => {
    const noise = await sharp(randomBytes(64 * 64 * 3), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
    const html = `<style>td { background: url(data:image/png;base64,${noise.toString('base64')}); }</style><table><tr><td>x</td></tr></table>`;
    const response = await sendPage(server, { name: 'fond.html', content: html });
    assert.equal(response.status, 201, await response.clone().text());
    const page = (await response.json()) as PageJson;
    const served = await (await fetch(page.url)).text();
    assert.match(served, /background: url\("http:\/\/127\.0\.0\.1:\d+\/m\/[A-Za-z0-9_-]+\/image\.png"\)/);
  });

  it('serves finding kinds with French and English labels', async () => {
    const response = await fetch(`${server.url}/api/v1/pages/finding-kinds`);
    const body = (await response.json()) as { kinds: string[]; labels: Record<string, Record<string, { label: string }>> };
    for (const kind of body.kinds) {
      assert.ok((body.labels.fr?.[kind]?.label ?? '') !== '', `French label of ${kind}`);
      assert.ok((body.labels.en?.[kind]?.label ?? '') !== '', `English label of ${kind}`);
    }
  });
});

describe('page publishing', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('turns zip and data: images into public media', async () => {
    const red = await pngOf('#cc0000');
    const blue = await pngOf('#0000cc');
    const html = `<!doctype html><html><head><title>Noël 2026</title>
<style>.banner { background-image: url('images/bleu.png'); }</style></head><body>
<img src="images/rouge.png" alt="rouge" onclick="alert(1)">
<img src="data:image/png;base64,${blue.toString('base64')}" alt="bleu">
<img src="https://cdn.example.org/logo.png" alt="logo">
<table><tr><td background="images/bleu.png">x</td></tr></table>
<a href="https://paroisse.example.org/agenda" target="_blank">Agenda</a>
<a href="javascript:alert(2)">piège</a>
<script>document.title = 'pwned'</script>
</body></html>`;
    const zip = await buildZip([
      { name: 'noel/index.html', content: html },
      { name: 'noel/images/rouge.png', content: red },
      { name: 'noel/images/bleu.png', content: blue },
      { name: '__MACOSX/noel/._index.html', content: 'resource fork' },
      { name: 'noel/.DS_Store', content: 'finder' },
    ]);
    const response = await sendPage(server, { name: 'noel.zip', content: zip });
    assert.equal(response.status, 201, await response.clone().text());
    const page = (await response.json()) as PageJson;
    assert.equal(response.headers.get('location'), page.url);

    const served = await fetch(page.url);
    const text = await served.text();
    assert.ok(!text.includes('<script'), 'scripts removed');
    assert.ok(!text.includes('onclick'), 'event handlers removed');
    assert.ok(!text.includes('javascript:'), 'javascript: links removed');
    assert.ok(text.includes('src="https://cdn.example.org/logo.png"'), 'external image unchanged');
    assert.ok(text.includes('href="https://paroisse.example.org/agenda" target="_blank"'), 'link unchanged');
    assert.ok(!text.includes('data:image'), 'data: image moved out');

    const mediaUrls = [...new Set([...text.matchAll(/https?:\/\/127\.0\.0\.1:\d+\/m\/[^"')]+/g)].map((match) => match[0]))];
    assert.equal(mediaUrls.length, 2, `two distinct media URLs in ${text}`);
    for (const url of mediaUrls) {
      const image = await fetch(url);
      assert.equal(image.status, 200);
      assert.equal(image.headers.get('content-type'), 'image/png');
    }
    assert.equal(await countRows(server, 'media'), 2, 'the blue image of the zip and of the data: URL is stored once');
  });

  it('serves pages with the sandbox and noindex headers', async () => {
    const response = await sendPage(server, { name: 'simple.html', content: '<h1>Bonjour</h1>' });
    const page = (await response.json()) as PageJson;
    const served = await fetch(page.url);
    assert.equal(served.headers.get('content-type'), 'text/html; charset=utf-8');
    const policy = served.headers.get('content-security-policy') ?? '';
    assert.match(policy, /(^|; )sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation(;|$)/);
    assert.ok(!policy.includes('allow-scripts'), 'scripts stay blocked');
    assert.ok(!policy.includes('allow-same-origin'), 'the page has no origin of its own');
    assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(served.headers.get('x-robots-tag'), 'noindex');

    const head = await fetch(page.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-security-policy'), policy);

    const etag = served.headers.get('etag') ?? '';
    const revalidated = await fetch(page.url, { headers: { 'if-none-match': etag } });
    assert.equal(revalidated.status, 304);

    const withoutSlash = await fetch(page.url.replace(/\/$/, ''), { redirect: 'manual' });
    assert.equal(withoutSlash.status, 301);
    assert.equal(withoutSlash.headers.get('location'), `/p/${page.slug}/`);

    const indexable = await sendPage(server, { name: 'public.html', content: '<h1>Public</h1>', fields: { indexable: 'true' } });
    const indexablePage = (await indexable.json()) as PageJson;
    assert.equal(indexablePage.indexable, true);
    assert.equal((await fetch(indexablePage.url)).headers.get('x-robots-tag'), null);
  });

  it('replaces, unpublishes and republishes at the same URL', async () => {
    const created = (await (await sendPage(server, { name: 'v1.html', content: '<title>Bulletin</title><p>version 1</p>' })).json()) as PageJson;
    const replaced = await sendPage(server, { name: 'v2.html', content: '<p>version 2</p>', replaceId: created.id });
    assert.equal(replaced.status, 200);
    const replacedPage = (await replaced.json()) as PageJson;
    assert.equal(replacedPage.url, created.url);
    assert.equal(replacedPage.title, 'Bulletin');
    assert.match(await (await fetch(created.url)).text(), /version 2/);

    const preview = await fetch(`${server.url}/api/v1/pages/${created.id}/preview`, { headers: bearer(server.editorToken) });
    assert.equal(preview.status, 200);
    assert.match(preview.headers.get('content-security-policy') ?? '', /sandbox/);

    const listed = (await (await fetch(`${server.url}/api/v1/pages`, { headers: bearer(server.editorToken) })).json()) as { items: PageJson[] };
    const listedPage = listed.items.find((item) => item.id === created.id);
    assert.ok(listedPage !== undefined);
    assert.equal(listedPage.createdBy?.email, 'editor@example.org');
    assert.equal(replacedPage.createdBy?.email, 'editor@example.org');

    const unpublished = await fetch(`${server.url}/api/v1/pages/${created.id}`, { method: 'DELETE', headers: bearer(server.editorToken) });
    assert.equal(((await unpublished.json()) as PageJson).status, 'unpublished');
    assert.equal((await fetch(created.url)).status, 404);

    const republished = await fetch(`${server.url}/api/v1/pages/${created.id}/publish`, { method: 'POST', headers: bearer(server.editorToken) });
    assert.equal(((await republished.json()) as PageJson).status, 'published');
    assert.equal((await fetch(created.url)).status, 200);
  });

  it('rejects anonymous publishing and unknown pages', async () => {
    const anonymous = await fetch(`${server.url}/api/v1/pages`, { method: 'POST', body: new FormData() });
    assert.equal(anonymous.status, 401);
    const missing = await fetch(`${server.url}/api/v1/pages/nope`, { headers: bearer(server.editorToken) });
    assert.equal((await errorOf(missing)).code, 'VITRAIL_PAGE_NOT_FOUND');
    assert.equal((await fetch(`${server.url}/p/not-a-page-aaaaaaaaaaaaaa/`)).status, 404);
  });

  it('describes the page routes as OpenAPI', async () => {
    const document = (await (await fetch(`${server.url}/api/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    for (const route of ['/api/v1/pages', '/api/v1/pages/{id}', '/api/v1/pages/{id}/preview', '/api/v1/pages/{id}/publish', '/api/v1/externalize']) {
      assert.ok(document.paths[route] !== undefined, `${route} is described`);
    }
    assert.ok(document.paths['/api/v1/pages']?.post !== undefined);
    assert.ok(document.paths['/api/v1/pages/{id}']?.put !== undefined);
    assert.ok(document.paths['/api/v1/pages/{id}']?.delete !== undefined);
  });

  it('refuses text that is not HTML, and takes HTML under any name', async () => {
    for (const [name, content] of [
      ['adresses.csv', 'nom;ville\nMartin;Lyon\n'],
      ['note.txt', 'Messe à 10 h 30 <dimanche>'],
    ] as const) {
      const response = await sendPage(server, { name, content });
      assert.equal(response.status, 415, name);
      const error = await errorOf(response);
      assert.equal(error.code, 'VITRAIL_PAGE_NOT_HTML');
      assert.match(error.message, new RegExp(`"${name.replace('.', '\\.')}" is text without HTML markup`));
    }
    const exported = await sendPage(server, { name: 'lettre.txt', content: '\n  <!DOCTYPE html><html><body><p>Bonne fête</p></body></html>' });
    assert.equal(exported.status, 201, 'HTML saved under another extension is still a page');
  });

  it('rejects a page whose images are not in the upload', async () => {
    const response = await sendPage(server, { name: 'seule.html', content: '<img src="photos/absente.jpg">' });
    assert.equal(response.status, 400);
    const error = await errorOf(response);
    assert.equal(error.code, 'VITRAIL_PAGE_IMAGE_MISSING');
    assert.match(error.message, /photos\/absente\.jpg/);
  });
});

describe('page zip checks', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  const rejected = async (zip: Buffer, code: string, message: RegExp): Promise<void> => {
    const response = await sendPage(server, { name: 'page.zip', content: zip });
    const error = await errorOf(response);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    await assertNothingWritten(server);
  };

  it('rejects an entry going up with ..', async () => {
    const image = await pngOf('#00aa00');
    const zip = await buildZip([
      { name: 'index.html', content: '<img src="a.png">' },
      { name: 'a.png', content: image },
      { name: '../evil.html', content: '<p>evil</p>' },
    ]);
    await rejected(zip, 'VITRAIL_ZIP_UNSAFE_ENTRY', /"\.\.\/evil\.html" goes up out of the archive/);
  });

  it('rejects an absolute path', async () => {
    await rejected(await buildZip([{ name: '/etc/evil.html', content: 'x' }]), 'VITRAIL_ZIP_UNSAFE_ENTRY', /is an absolute path/);
  });

  it('rejects a symbolic link', async () => {
    const zip = await buildZip([
      { name: 'index.html', content: '<p>x</p>' },
      { name: 'image.png', content: '/etc/passwd', mode: 0o120777, compress: false },
    ]);
    await rejected(zip, 'VITRAIL_ZIP_UNSAFE_ENTRY', /is a symbolic link/);
  });

  it('rejects 10,000 entries', async () => {
    const entries = Array.from({ length: 10_000 }, (_, index) => ({ name: `f${String(index).padStart(5, '0')}.txt`, content: 'x', compress: false }));
    await rejected(await buildZip(entries), 'VITRAIL_ZIP_TOO_MANY_ENTRIES', /10000 entries, more than the limit of 1000/);
  });

  it('rejects a 1000 times expansion', async () => {
    const zip = await buildZip([
      { name: 'index.html', content: '<p>x</p>' },
      { name: 'zeros.png', content: Buffer.alloc(10 * 1024 * 1024) },
    ]);
    assert.ok(zip.length < 20 * 1024, `the fixture expands about 1000 times (${zip.length} bytes packed)`);
    await rejected(zip, 'VITRAIL_ZIP_COMPRESSION_RATIO', /"zeros\.png" unpacks to \d+ times/);
  });

  it('rejects more unpacked bytes than the limit', async () => {
    const small = await startTestServer({ VITRAIL_ZIP_MAX_UNPACKED_BYTES: '100000' });
    try {
      const zip = await buildZip([
        { name: 'index.html', content: '<p>x</p>' },
        { name: 'a.bin', content: randomBytes(60_000) },
        { name: 'b.bin', content: randomBytes(60_000) },
      ]);
      const response = await sendPage(small, { name: 'page.zip', content: zip });
      const error = await errorOf(response);
      assert.equal(response.status, 413);
      assert.equal(error.code, 'VITRAIL_ZIP_TOO_LARGE_UNPACKED');
      assert.match(error.message, /more than the limit of 100000 bytes/);
      await assertNothingWritten(small);
    } finally {
      await small.close();
    }
  });

  it('rejects a file that is not a zip', async () => {
    const corrupt = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 1)]);
    await rejected(corrupt, 'VITRAIL_ZIP_INVALID', /cannot be read/);
  });

  it('decodes CP850 names made on Windows', async () => {
    const image = await pngOf('#aa00aa');
    const html = '<img src="Église%20Saint-Étienne.png"><img src="À la une.png"><img src="macOS/été.png">';
    // À is 0xB7 in CP850 but a box-drawing character in CP437; été comes as UTF-8 without the flag, as macOS writes it.
    const zip = await buildZip([
      { name: iconv.encode('index.html', 'cp850'), content: html },
      { name: iconv.encode('Église Saint-Étienne.png', 'cp850'), content: image },
      { name: iconv.encode('À la une.png', 'cp850'), content: await pngOf('#aaaa00') },
      { name: Buffer.from('macOS/été.png', 'utf8'), content: await pngOf('#00aaaa') },
    ]);
    const response = await sendPage(server, { name: 'eglise.zip', content: zip });
    assert.equal(response.status, 201, await response.clone().text());
    const page = (await response.json()) as PageJson;
    const text = await (await fetch(page.url)).text();
    assert.match(text, /\/m\/[A-Za-z0-9_-]+\/%C3%89glise%20Saint-%C3%89tienne\.png/);
    assert.match(text, /\/m\/[A-Za-z0-9_-]+\/%C3%80%20la%20une\.png/);
    assert.match(text, /\/m\/[A-Za-z0-9_-]+\/%C3%A9t%C3%A9\.png/);
  });
});

describe('page images and accepted types', () => {
  it('rejects the page before storing any image', async () => {
    const server = await startTestServer({ VITRAIL_ALLOWED_TYPES: 'image/png' });
    try {
      const png = await pngOf('#112233');
      const jpeg = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#445566' } }).jpeg().toBuffer();
      const html = `<img src="data:image/png;base64,${png.toString('base64')}"><img src="data:image/jpeg;base64,${jpeg.toString('base64')}">`;
      const response = await sendPage(server, { name: 'types.html', content: html });
      const error = await errorOf(response);
      assert.equal(response.status, 415);
      assert.equal(error.code, 'VITRAIL_DOCUMENT_IMAGE_INVALID');
      assert.match(error.message, /is image\/jpeg, which is not an image type this server accepts/);
      await assertNothingWritten(server);
    } finally {
      await server.close();
    }
  });
});
