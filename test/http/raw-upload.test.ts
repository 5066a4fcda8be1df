import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import pino from 'pino';
import sharp from 'sharp';

import { loadSettings } from '../../src/config/settings.js';
import { startServer } from '../../src/server.js';

import { bearer, startTestServer, type TestServer } from '../support/test-server.js';
import { countMediaRows, eventually, MINIMAL_PDF, stagingLeftovers } from '../support/uploads.js';

const LIMIT_BYTES = 256 * 1024;

interface MediaJson {
  id: string;
  name: string;
  mime: string;
  size: number;
  sha256: string;
  visibility: string;
  alt: string;
  folder: string;
  url: string;
}

interface ErrorJson {
  error: { code: string; message: string };
}

interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * Sends a PUT with node:http, so a test controls the framing (Content-Length or chunked) and still reads
 * a response the server sends before the whole body is written. Write errors after that response are ignored.
 */
function sendRaw(server: TestServer, path: string, headers: Record<string, string>, chunks: readonly Buffer[]): Promise<RawResponse> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'PUT', headers });
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => (body += text));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', () => undefined);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

describe('PUT /api/v1/media/files/{name}', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ VITRAIL_MAX_UPLOAD_BYTES: String(LIMIT_BYTES) });
  });
  after(async () => {
    await server.close();
  });

  const put = (name: string, body: Buffer | string, headers: Record<string, string> = bearer(server.editorToken), query = '') =>
    fetch(`${server.url}/api/v1/media/files/${name}${query}`, { method: 'PUT', headers, body });

  const errorCode = async (response: Response): Promise<string> => {
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    return ((await response.json()) as ErrorJson).error.code;
  };

  it('stores the body as a media and serves it byte for byte', async () => {
    const response = await put('affiche.pdf', MINIMAL_PDF, { ...bearer(server.editorToken), 'content-type': 'text/plain' });
    assert.equal(response.status, 201);
    const media = (await response.json()) as MediaJson;
    assert.equal(media.name, 'affiche.pdf');
    assert.equal(media.mime, 'application/pdf');
    assert.equal(media.size, Buffer.byteLength(MINIMAL_PDF));
    assert.equal(media.sha256, createHash('sha256').update(MINIMAL_PDF).digest('hex'));
    assert.equal(media.visibility, 'public');
    assert.equal(response.headers.get('location'), media.url);

    const fetched = await fetch(media.url);
    assert.equal(fetched.status, 200);
    assert.equal(await fetched.text(), MINIMAL_PDF);
  });

  it('hashes a body of many chunks exactly', async () => {
    const content = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(200 * 1024)]);
    const chunks = Array.from({ length: Math.ceil(content.length / 7000) }, (_unused, index) => content.subarray(index * 7000, (index + 1) * 7000));
    const response = await sendRaw(server, '/api/v1/media/files/morceaux.pdf', bearer(server.editorToken), chunks);
    assert.equal(response.status, 201, response.body);
    const media = JSON.parse(response.body) as MediaJson;
    assert.equal(media.size, content.length);
    assert.equal(media.sha256, createHash('sha256').update(content).digest('hex'));
    const fetched = await fetch(media.url);
    assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), content);
  });

  it('takes a percent-encoded name and the query fields', async () => {
    const png = await sharp({ create: { width: 12, height: 8, channels: 3, background: '#aa3300' } }).png().toBuffer();
    const response = await put(encodeURIComponent('Fête de la paroisse.png'), png, bearer(server.editorToken), '?visibility=private&alt=Le%20parvis&folder=Archives');
    assert.equal(response.status, 201);
    const media = (await response.json()) as MediaJson & { width: number; height: number };
    assert.equal(media.name, 'Fête de la paroisse.png');
    assert.equal(media.mime, 'image/png');
    assert.equal(media.visibility, 'private');
    assert.equal(media.alt, 'Le parvis');
    assert.equal(media.folder, 'Archives');
    assert.equal(media.width, 12);
    assert.equal(media.height, 8);
  });

  it('creates a new media for each request with the same name', async () => {
    const first = (await (await put('bulletin.pdf', MINIMAL_PDF)).json()) as MediaJson;
    const second = (await (await put('bulletin.pdf', MINIMAL_PDF)).json()) as MediaJson;
    assert.notEqual(first.id, second.id);
    assert.equal((await fetch(first.url)).status, 200);
    assert.equal((await fetch(second.url)).status, 200);
  });

  describe('bad input', () => {
    it('rejects a request without a token with 401 and stores nothing', async () => {
      const rowsBefore = await countMediaRows(server);
      const response = await put('anonyme.pdf', MINIMAL_PDF, {});
      assert.equal(response.status, 401);
      assert.equal(await errorCode(response), 'VITRAIL_AUTH_REQUIRED');
      assert.equal(await countMediaRows(server), rowsBefore);
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('rejects a declared length over the limit before the body', async () => {
      const rowsBefore = await countMediaRows(server);
      // Only the headers are sent, so the response must come without the body.
      const response = await new Promise<RawResponse>((resolve, reject) => {
        const url = new URL('/api/v1/media/files/enorme.pdf', server.url);
        const request = http.request({
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'PUT',
          headers: { ...bearer(server.editorToken), 'content-length': String(10 * 1024 * 1024) },
        });
        request.on('response', (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on('error', reject);
        request.flushHeaders();
      });
      assert.equal(response.status, 413);
      assert.equal((JSON.parse(response.body) as ErrorJson).error.code, 'VITRAIL_MEDIA_TOO_LARGE');
      assert.equal(await countMediaRows(server), rowsBefore);
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('rejects a chunked body over the limit with 413 and leaves nothing', async () => {
      const rowsBefore = await countMediaRows(server);
      const chunks = [Buffer.from('%PDF-1.4\n'), ...Array.from({ length: 20 }, () => Buffer.alloc(16 * 1024, 0x25))];
      const response = await sendRaw(server, '/api/v1/media/files/trop.pdf', bearer(server.editorToken), chunks);
      assert.equal(response.status, 413);
      assert.equal((JSON.parse(response.body) as ErrorJson).error.code, 'VITRAIL_MEDIA_TOO_LARGE');
      assert.equal(await countMediaRows(server), rowsBefore);
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('rejects an empty body with 400', async () => {
      const response = await put('vide.pdf', '');
      assert.equal(response.status, 400);
      assert.equal(await errorCode(response), 'VITRAIL_MEDIA_EMPTY');
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('rejects HTML named photo.png with 415 and stores nothing', async () => {
      const rowsBefore = await countMediaRows(server);
      const response = await put('photo.png', '<html><script>alert(1)</script></html>', { ...bearer(server.editorToken), 'content-type': 'image/png' });
      assert.equal(response.status, 415);
      assert.equal(await errorCode(response), 'VITRAIL_MEDIA_TYPE_NOT_ALLOWED');
      assert.equal(await countMediaRows(server), rowsBefore);
      assert.deepEqual(await stagingLeftovers(server), []);
    });

    it('rejects a multipart body with 415, pointing to the multipart route', async () => {
      const response = await put('form.pdf', MINIMAL_PDF, { ...bearer(server.editorToken), 'content-type': 'multipart/form-data; boundary=x' });
      assert.equal(response.status, 415);
      const body = (await response.json()) as ErrorJson;
      assert.equal(body.error.code, 'VITRAIL_REQUEST_CONTENT_TYPE');
      assert.match(body.error.message, /POST \/api\/v1\/media/);
    });

    it('rejects an invalid visibility with 400 and stores nothing', async () => {
      const rowsBefore = await countMediaRows(server);
      const response = await put('prive.pdf', MINIMAL_PDF, bearer(server.editorToken), '?visibility=secret');
      assert.equal(response.status, 400);
      assert.equal(await errorCode(response), 'VITRAIL_VALIDATION_FAILED');
      assert.equal(await countMediaRows(server), rowsBefore);
    });

    it('rejects an unknown query parameter with 400', async () => {
      const response = await put('champ.pdf', MINIMAL_PDF, bearer(server.editorToken), '?owner=me');
      assert.equal(response.status, 400);
      assert.equal(await errorCode(response), 'VITRAIL_VALIDATION_FAILED');
    });

    it('cleans up after a client aborts mid-upload', async () => {
      const rowsBefore = await countMediaRows(server);
      const url = new URL('/api/v1/media/files/coupe.pdf', server.url);
      const request = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: { ...bearer(server.editorToken), 'content-length': String(200 * 1024) },
      });
      request.on('error', () => undefined);
      request.write(Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(64 * 1024, 0x25)]));
      await eventually(async () => (await stagingLeftovers(server)).length > 0);
      request.destroy();

      await eventually(async () => (await stagingLeftovers(server)).length === 0);
      assert.equal(await countMediaRows(server), rowsBefore);
    });
  });

  it('is described in the OpenAPI document', async () => {
    const document = (await (await fetch(`${server.url}/api/docs/json`)).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    const operation = document.paths['/api/v1/media/files/{name}']?.put;
    assert.ok(operation !== undefined, 'no PUT /api/v1/media/files/{name} in the OpenAPI document');
    assert.match(operation.summary ?? '', /request body/);
  });

  it('keeps the staging directory empty after every test above', async () => {
    assert.deepEqual(await stagingLeftovers(server), []);
  });
});

describe('PUT /api/v1/media/files/{name} durability', () => {
  it('serves an acknowledged upload after a restart', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-raw-'));
    try {
      const first = await startTestServer({ VITRAIL_DATA_DIR: dataDir });
      const content = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(64 * 1024)]);
      const response = await fetch(`${first.url}/api/v1/media/files/durable.pdf`, { method: 'PUT', headers: bearer(first.editorToken), body: content });
      assert.equal(response.status, 201);
      const media = (await response.json()) as MediaJson;
      await first.close();

      const settings = loadSettings({ VITRAIL_DATA_DIR: dataDir, VITRAIL_HOST: '127.0.0.1', VITRAIL_PORT: '0' });
      const reopened = await startServer(settings, pino({ level: 'silent' }));
      try {
        const fetched = await fetch(`${reopened.address}/m/${media.id}/durable.pdf`);
        assert.equal(fetched.status, 200);
        assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), content);
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
