import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { MINIMAL_PDF, upload } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

/** Connections each abusive pattern opens: enough to show they do not starve others, bounded for CI. */
const ABUSIVE_CONNECTIONS = 40;
const IDLE_TIMEOUT_MS = 1500;

describe('slow and abusive clients', () => {
  let server: TestServer;
  let mediaUrl: string;
  let port: number;

  before(async () => {
    server = await startTestServer({ VITRAIL_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) });
    const media = (await (await upload(server, { name: 'lent.pdf', content: MINIMAL_PDF })).json()) as { url: string };
    mediaUrl = media.url;
    port = Number(new URL(server.url).port);
  });
  after(async () => {
    await server.close();
  });

  it('serves others while slow-header and slow-body clients stall, then closes them', async () => {
    const slowHeaders = Array.from({ length: ABUSIVE_CONNECTIONS }, () =>
      openStalled(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '),
    );
    const slowBodies = Array.from({ length: ABUSIVE_CONNECTIONS }, () =>
      openStalled(
        port,
        `POST /api/v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server.editorToken}\r\n` +
          'Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n',
      ),
    );
    await Promise.all([...slowHeaders, ...slowBodies].map((connection) => connection.connected));

    for (let attempt = 0; attempt < 20; attempt += 1) {
      const response = await fetch(mediaUrl);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }

    const closedAfter = await Promise.all([...slowHeaders, ...slowBodies].map((connection) => connection.closed));
    for (const elapsed of closedAfter) {
      assert.ok(elapsed < IDLE_TIMEOUT_MS * 4, `a stalled connection stayed open ${elapsed} ms`);
    }
  });

  it('closes a silent kept-alive connection', async () => {
    const path = new URL(mediaUrl).pathname;
    const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    const connection = openStalled(port, request + request);
    await connection.connected;
    const elapsed = await connection.closed;
    assert.ok(elapsed >= IDLE_TIMEOUT_MS * 0.9, `the connection closed after ${elapsed} ms, before the idle timeout`);
    assert.ok(elapsed < IDLE_TIMEOUT_MS * 4, `a silent kept-alive connection stayed open ${elapsed} ms`);
  });

  it('rejects oversized headers early with 431', async () => {
    const response = await fetch(mediaUrl, { headers: { 'x-padding': 'a'.repeat(20_000) } });
    assert.equal(response.status, 431);
  });

  it('rejects a huge field value with 400', async () => {
    const response = await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, fields: { alt: 'x'.repeat(100_000) } });
    assert.equal(response.status, 400);
  });

  it('rejects too many multipart parts', async () => {
    const form = new FormData();
    for (let index = 0; index < 30; index += 1) form.append('alt', 'x');
    form.append('file', new Blob([MINIMAL_PDF]), 'a.pdf');
    const response = await fetch(`${server.url}/api/v1/media`, { method: 'POST', headers: bearer(server.editorToken), body: form });
    assert.equal(response.status, 400);
  });
});

interface StalledConnection {
  readonly connected: Promise<void>;
  /** Resolves with the milliseconds between connecting and the server closing the connection. */
  readonly closed: Promise<number>;
}

/** Opens a connection, sends the start of a request, then sends nothing more. */
function openStalled(port: number, start: string): StalledConnection {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  let openedAt = 0;
  const connected = new Promise<void>((resolve) => {
    socket.on('connect', () => {
      openedAt = Date.now();
      socket.write(start);
      resolve();
    });
  });
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - openedAt)));
  return { connected, closed };
}
