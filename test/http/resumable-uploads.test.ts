import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import sharp from 'sharp';

import { sessionHeaders, signIn } from '../support/sessions.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';
import { OWNER_KEY } from '../../src/media/tus-responses.js';
import { countMediaRows, eventually, MINIMAL_PDF, stagingLeftovers } from '../support/uploads.js';

const TUS = { 'tus-resumable': '1.0.0' };

/** Encodes Upload-Metadata: comma-separated keys, each with its base64 value. */
function metadata(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
}

interface ErrorJson {
  error: { code: string; message: string; media?: { id: string; url: string } };
}

describe('resumable uploads (tus)', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ VITRAIL_MAX_UPLOAD_BYTES: String(64 * 1024) });
  });
  after(async () => {
    await server.close();
  });

  const create = (length: number, fields: Record<string, string>, headers: Record<string, string> = bearer(server.editorToken)) =>
    fetch(`${server.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...headers, 'upload-length': String(length), 'upload-metadata': metadata(fields) },
    });

  const patch = (location: string, offset: number, chunk: Buffer, headers: Record<string, string> = bearer(server.editorToken)) =>
    fetch(new URL(location, server.url), {
      method: 'PATCH',
      headers: { ...TUS, ...headers, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
      body: chunk,
    });

  it('creates a media from two chunks', async () => {
    const image = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#113355' } }).jpeg().toBuffer();
    const creation = await create(image.length, { filename: 'Église.jpg', folder: 'Patrimoine', alt: 'La façade' });
    assert.equal(creation.status, 201);
    const location = creation.headers.get('location') ?? '';
    assert.match(location, /^\/api\/v1\/uploads\/[0-9a-f]+$/);

    const half = Math.floor(image.length / 2);
    const first = await patch(location, 0, image.subarray(0, half));
    assert.equal(first.status, 204);
    assert.equal(first.headers.get('upload-offset'), String(half));

    const head = await fetch(new URL(location, server.url), { method: 'HEAD', headers: { ...TUS, ...bearer(server.editorToken) } });
    assert.equal(head.headers.get('upload-offset'), String(half));

    const last = await patch(location, half, image.subarray(half));
    assert.equal(last.status, 200);
    const media = (await last.json()) as { id: string; name: string; folder: string; alt: string; width: number; url: string; sha256: string };
    assert.equal(media.sha256, createHash('sha256').update(image).digest('hex'));
    assert.equal(media.name, 'Église.jpg');
    assert.equal(media.folder, 'Patrimoine');
    assert.equal(media.alt, 'La façade');
    assert.equal(media.width, 40);

    const fetched = await fetch(media.url);
    assert.equal(fetched.status, 200);
    assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), image);
    assert.deepEqual(await stagingLeftovers(server), []);
  });

  it('rejects a file of a type not allowed with the catalogue code', async () => {
    const content = Buffer.from('just some text, not an image\n');
    const location = (await create(content.length, { filename: 'notes.txt' })).headers.get('location') ?? '';
    const response = await patch(location, 0, content);
    assert.equal(response.status, 415);
    const error = ((await response.json()) as ErrorJson & { error: { allowedTypes?: string[] } }).error;
    assert.equal(error.code, 'VITRAIL_MEDIA_TYPE_NOT_ALLOWED');
    assert.ok(error.allowedTypes?.includes('application/pdf'), `allowedTypes is ${JSON.stringify(error.allowedTypes)}`);
    assert.deepEqual(await stagingLeftovers(server), []);
  });

  it('rejects a file over the size limit at creation', async () => {
    const before = await countMediaRows(server);
    const response = await create(64 * 1024 + 1, { filename: 'big.pdf' });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as ErrorJson).error.code, 'VITRAIL_MEDIA_TOO_LARGE');
    assert.equal(await countMediaRows(server), before);
  });

  it('flags a file already in the library with a link to it', async () => {
    const content = Buffer.from(`${MINIMAL_PDF}%twice\n`);
    const firstLocation = (await create(content.length, { filename: 'premier.pdf' })).headers.get('location') ?? '';
    const first = (await (await patch(firstLocation, 0, content)).json()) as { id: string; url: string };

    const before = await countMediaRows(server);
    const secondLocation = (await create(content.length, { filename: 'second.pdf' })).headers.get('location') ?? '';
    const response = await patch(secondLocation, 0, content);
    assert.equal(response.status, 409);
    const body = (await response.json()) as ErrorJson;
    assert.equal(body.error.code, 'VITRAIL_MEDIA_DUPLICATE');
    assert.equal(body.error.media?.id, first.id);
    assert.ok(body.error.message.includes('premier.pdf'));
    assert.equal(await countMediaRows(server), before);
    assert.deepEqual(await stagingLeftovers(server), []);
  });

  it('sends errors as coded JSON', async () => {
    const before = await countMediaRows(server);
    const content = Buffer.from(`${MINIMAL_PDF}%errors\n`);
    const location = (await create(content.length, { filename: 'erreurs.pdf' })).headers.get('location') ?? '';
    const expectError = async (response: Response, status: number, code: string): Promise<string> => {
      assert.equal(response.status, status);
      assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.ok(response.headers.get('x-request-id'), 'the request id is echoed');
      const body = (await response.json()) as ErrorJson;
      assert.equal(body.error.code, code);
      return body.error.message;
    };

    await expectError(await patch(location, 5, content), 409, 'VITRAIL_UPLOAD_OFFSET_CONFLICT');
    const noVersion = await fetch(new URL(location, server.url), { method: 'HEAD', headers: bearer(server.editorToken) });
    assert.equal(noVersion.status, 412);
    const unversioned = await fetch(new URL(location, server.url), {
      method: 'PATCH',
      headers: { ...bearer(server.editorToken), 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: content,
    });
    await expectError(unversioned, 412, 'VITRAIL_UPLOAD_TUS_VERSION');
    const noLength = await fetch(`${server.url}/api/v1/uploads`, { method: 'POST', headers: { ...TUS, ...bearer(server.editorToken) } });
    const message = await expectError(noLength, 400, 'VITRAIL_UPLOAD_REQUEST_INVALID');
    assert.match(message, /Upload-Length/);
    const wrongType = await fetch(new URL(location, server.url), {
      method: 'PATCH',
      headers: { ...TUS, ...bearer(server.editorToken), 'upload-offset': '0', 'content-type': 'application/pdf' },
      body: content,
    });
    assert.match(await expectError(wrongType, 400, 'VITRAIL_UPLOAD_REQUEST_INVALID'), /application\/offset\+octet-stream/);
    const unknown = await expectError(await patch('/api/v1/uploads/0123456789abcdef', 0, content), 404, 'VITRAIL_UPLOAD_NOT_FOUND');
    assert.match(unknown, /"0123456789abcdef"/);

    // The upload is untouched by the refused requests: it still finishes from offset 0.
    const finished = await patch(location, 0, content);
    assert.equal(finished.status, 200);
    assert.equal(await countMediaRows(server), before + 1);
  });

  it('hides the owner from HEAD', async () => {
    const location = (await create(100, { filename: 'bulletin.pdf', folder: 'Annonces', [OWNER_KEY]: 'someone-else' })).headers.get('location') ?? '';
    const head = await fetch(new URL(location, server.url), { method: 'HEAD', headers: { ...TUS, ...bearer(server.editorToken) } });
    assert.equal(head.status, 200);
    const metadataEntries = new Map((head.headers.get('upload-metadata') ?? '').split(',').map((pair) => pair.split(' ') as [string, string]));
    assert.deepEqual([...metadataEntries.keys()].sort(), ['filename', 'folder']);
    assert.equal(Buffer.from(metadataEntries.get('filename') ?? '', 'base64').toString(), 'bulletin.pdf');
    await fetch(new URL(location, server.url), { method: 'DELETE', headers: { ...TUS, ...bearer(server.editorToken) } });
  });

  it('sends no CORS header, even to another origin', async () => {
    const creation = await create(10, { filename: 'note.pdf' }, { ...bearer(server.editorToken), origin: 'http://other.example.org' });
    assert.equal(creation.status, 201);
    assert.equal(creation.headers.get('access-control-allow-origin'), null);
  });

  it('requires authentication', async () => {
    const response = await create(10, { filename: 'a.pdf' }, {});
    assert.equal(response.status, 401);
  });

  it('requires the CSRF header with a session cookie', async () => {
    const session = await signIn(server, 'editor@example.org');
    const forged = await create(10, { filename: 'a.pdf' }, sessionHeaders(session, false));
    assert.equal(forged.status, 403);
    const content = Buffer.from(`${MINIMAL_PDF}%session\n`);
    const creation = await create(content.length, { filename: 'cookie.pdf' }, sessionHeaders(session));
    assert.equal(creation.status, 201);
    const finished = await patch(creation.headers.get('location') ?? '', 0, content, sessionHeaders(session));
    assert.equal(finished.status, 200);
  });

  it('hides an upload from another user', async () => {
    const location = (await create(100, { filename: 'a.pdf' })).headers.get('location') ?? '';
    const response = await patch(location, 0, Buffer.from('%PDF-'), bearer(server.adminToken));
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as ErrorJson).error.code, 'VITRAIL_UPLOAD_NOT_FOUND');
    await fetch(new URL(location, server.url), { method: 'DELETE', headers: { ...TUS, ...bearer(server.editorToken) } });
  });

  it('resumes after a server restart', async () => {
    const dataDir = server.dataDir;
    const env = { VITRAIL_DATA_DIR: dataDir, VITRAIL_MAX_UPLOAD_BYTES: String(64 * 1024) };
    const first = await startTestServerOn(env, 'restart');
    const content = Buffer.from(`${MINIMAL_PDF}%${'x'.repeat(2000)}\n`);
    const creation = await fetch(`${first.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...bearer(first.token), 'upload-length': String(content.length), 'upload-metadata': metadata({ filename: 'reprise.pdf' }) },
    });
    const location = creation.headers.get('location') ?? '';
    await fetch(new URL(location, first.url), {
      method: 'PATCH',
      headers: { ...TUS, ...bearer(first.token), 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: content.subarray(0, 1000),
    });
    await first.close();

    const second = await startTestServerOn(env, 'restart');
    const head = await fetch(new URL(location, second.url), { method: 'HEAD', headers: { ...TUS, ...bearer(second.token) } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('upload-offset'), '1000');
    const finished = await fetch(new URL(location, second.url), {
      method: 'PATCH',
      headers: { ...TUS, ...bearer(second.token), 'upload-offset': '1000', 'content-type': 'application/offset+octet-stream' },
      body: content.subarray(1000),
    });
    assert.equal(finished.status, 200);
    const media = (await finished.json()) as { name: string; size: number; sha256: string };
    assert.equal(media.name, 'reprise.pdf');
    assert.equal(media.size, content.length);
    // The restarted server has no running hash of the first 1000 bytes, so it hashes the file from disk.
    assert.equal(media.sha256, createHash('sha256').update(content).digest('hex'));
    await second.close();
  });

  it('deletes an abandoned upload after a day', async () => {
    const env = { VITRAIL_DATA_DIR: server.dataDir, VITRAIL_MAX_UPLOAD_BYTES: String(64 * 1024) };
    const first = await startTestServerOn(env, 'abandoned');
    const creation = await fetch(`${first.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...bearer(first.token), 'upload-length': '5000', 'upload-metadata': metadata({ filename: 'oublie.pdf' }) },
    });
    const id = (creation.headers.get('location') ?? '').split('/').pop() ?? '';
    await first.close();

    const directory = path.join(server.dataDir, 'tmp', 'resumable');
    const infoPath = path.join(directory, `${id}.json`);
    const info = JSON.parse(await readFile(infoPath, 'utf8')) as { creation_date: string };
    info.creation_date = new Date(Date.now() - 25 * 60 * 60_000).toISOString();
    await writeFile(infoPath, JSON.stringify(info));

    const second = await startTestServerOn(env, 'abandoned');
    try {
      await eventually(async () => !(await readdir(directory)).some((entry) => entry.startsWith(id)));
    } finally {
      await second.close();
    }
  });
});

/** Starts a bare server on an existing data directory, signed in as its editor through a new token. */
async function startTestServerOn(env: Record<string, string>, label: string): Promise<{ url: string; token: string; close(): Promise<void> }> {
  const pino = (await import('pino')).default;
  const { loadSettings } = await import('../../src/config/settings.js');
  const { startServer } = await import('../../src/server.js');
  const settings = loadSettings({ VITRAIL_HOST: '127.0.0.1', VITRAIL_PORT: '0', ...env });
  const running = await startServer(settings, pino({ level: 'silent' }));
  const { token } = await running.vitrail.tokens.createToken('editor@example.org', label);
  return { url: running.address, token, close: () => running.close() };
}

describe('large uploads, hashed on the hashing thread', () => {
  let server: TestServer;
  const content = Buffer.concat([Buffer.from(MINIMAL_PDF), randomBytes(20 * 1024 * 1024)]);
  const expected = createHash('sha256').update(content).digest('hex');

  before(async () => {
    server = await startTestServer({ VITRAIL_MAX_UPLOAD_BYTES: String(64 * 1024 * 1024) });
  });
  after(async () => {
    await server.close();
  });

  it('hashes a three-part tus upload', async () => {
    const creation = await fetch(`${server.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...bearer(server.editorToken), 'upload-length': String(content.length), 'upload-metadata': metadata({ filename: 'registre.pdf' }) },
    });
    assert.equal(creation.status, 201);
    const location = new URL(creation.headers.get('location') ?? '', server.url);
    // The hashing thread takes over during the second part, once the upload passes its threshold.
    const bounds = [0, 6 * 1024 * 1024, 12 * 1024 * 1024, content.length];
    let last: Response | undefined;
    for (let part = 0; part < 3; part += 1) {
      const [start = 0, end = 0] = [bounds[part], bounds[part + 1]];
      last = await fetch(location, {
        method: 'PATCH',
        headers: { ...TUS, ...bearer(server.editorToken), 'upload-offset': String(start), 'content-type': 'application/offset+octet-stream' },
        body: content.subarray(start, end),
      });
    }
    assert.equal(last?.status, 200);
    assert.equal(((await last?.json()) as { sha256: string }).sha256, expected);
    assert.equal(server.server.vitrail.hashingThread.running, true);
    assert.equal(server.server.vitrail.hashingThread.followedFiles, 0);
  });

  it('hashes a large multipart upload', async () => {
    const form = new FormData();
    form.append('file', new Blob([content], { type: 'application/pdf' }), 'registre-2.pdf');
    // Multipart accepts a file already in the library, so the bytes of the tus upload serve again.
    const response = await fetch(`${server.url}/api/v1/media`, { method: 'POST', headers: bearer(server.editorToken), body: form });
    assert.equal(response.status, 201);
    assert.equal(((await response.json()) as { sha256: string }).sha256, expected);
    assert.equal(server.server.vitrail.hashingThread.followedFiles, 0);
  });
});
