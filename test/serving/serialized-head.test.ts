import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { FastifyServerOptions } from 'fastify';

import type { PublicPath } from '../../src/serving/public-path.js';
import { createPublicServer } from '../../src/serving/public-server.js';
import { cachedPdf, eventuallyCached } from '../support/cached-media.js';
import { RawConnection, type RawResponse } from '../support/raw-connection.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Fields that differ between two responses to the same request. */
const PER_RESPONSE = new Set(['date', 'x-request-id']);

function sameFields(response: RawResponse): Map<string, string> {
  return new Map([...response.fields].filter(([name]) => !PER_RESPONSE.has(name)));
}

/** Records, for each request, whether the public path served it from its cache. */
function watchHits(server: TestServer): boolean[] {
  const publicPath = server.server.vitrail.publicPath;
  const tryServe = publicPath.tryServe.bind(publicPath);
  const hits: boolean[] = [];
  publicPath.tryServe = (request, response, fallback) => {
    const served = tryServe(request, response, fallback);
    hits.push(served);
    return served;
  };
  return hits;
}


describe('heads of cache hits', () => {
  let server: TestServer;
  let port: number;
  let hits: boolean[];

  before(async () => {
    server = await startTestServer();
    port = Number(new URL(server.url).port);
    hits = watchHits(server);
  });
  after(async () => {
    await server.close();
  });

  it('sends the route head on hits', async () => {
    const media = await cachedPdf(server, 'horaires.pdf');
    const connection = new RawConnection(port);
    try {
      hits.length = 0;
      const fromRoute = await connection.request('GET', media.path);
      await eventuallyCached(server, media.id);
      const fromCache = await connection.request('GET', media.path);
      const head = await connection.request('HEAD', media.path);
      assert.deepEqual(hits, [false, true, true]);

      assert.equal(fromCache.statusLine, 'HTTP/1.1 200 OK');
      assert.deepEqual(sameFields(fromCache), sameFields(fromRoute));
      assert.equal(fromCache.fields.get('connection'), 'keep-alive');
      assert.equal(fromCache.fields.has('keep-alive'), false);
      assert.ok(fromCache.body.equals(media.content));
      assert.match(fromCache.fields.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      assert.notEqual(fromCache.fields.get('x-request-id'), head.fields.get('x-request-id'));
      const date = Date.parse(fromCache.fields.get('date') ?? '');
      assert.ok(Math.abs(date - Date.now()) < 5000, `Date ${fromCache.fields.get('date')} is now`);
      assert.equal(new Date(date).toUTCString(), fromCache.fields.get('date'), 'an IMF-fixdate');

      assert.equal(head.statusLine, 'HTTP/1.1 200 OK');
      assert.equal(head.fields.get('content-length'), String(media.content.length));
      assert.equal(head.body.length, 0);
      // The connection still serves requests, pipelined ones too: nothing was left unread or half-sent.
      hits.length = 0;
      connection.send('GET', media.path);
      connection.send('HEAD', media.path);
      connection.send('GET', media.path);
      const pipelined = [await connection.read('GET'), await connection.read('HEAD'), await connection.read('GET')];
      assert.deepEqual(hits, [true, true, true]);
      assert.deepEqual(
        pipelined.map((response) => [response.statusLine, response.body.length]),
        [
          ['HTTP/1.1 200 OK', media.content.length],
          ['HTTP/1.1 200 OK', 0],
          ['HTTP/1.1 200 OK', media.content.length],
        ],
      );
      assert.ok(pipelined[2]?.body.equals(media.content));
    } finally {
      connection.close();
    }
  });

  it('closes on Connection: close and HTTP/1.0', async () => {
    const media = await cachedPdf(server, 'annonces.pdf');
    const warm = new RawConnection(port);
    await warm.request('GET', media.path);
    warm.close();
    await eventuallyCached(server, media.id);

    for (const [version, headers] of [
      ['HTTP/1.1', { Connection: 'close' }],
      ['HTTP/1.0', {}],
    ] as const) {
      const connection = new RawConnection(port);
      hits.length = 0;
      const response = await connection.request('GET', media.path, version, headers);
      assert.deepEqual(hits, [true], `${version} ${JSON.stringify(headers)} is a hit`);
      assert.equal(response.fields.get('connection'), 'close');
      assert.ok(response.body.equals(media.content));
      await connection.closedByServer();
    }

    const keptAlive = new RawConnection(port);
    try {
      const response = await keptAlive.request('GET', media.path, 'HTTP/1.0', { Connection: 'keep-alive' });
      assert.equal(response.fields.get('connection'), 'keep-alive');
      assert.equal((await keptAlive.request('GET', media.path, 'HTTP/1.0', { Connection: 'keep-alive' })).statusLine, 'HTTP/1.1 200 OK');
    } finally {
      keptAlive.close();
    }
  });
});

describe('createPublicServer', () => {
  // Serialised heads leave out the fields node:http adds with a keep-alive timeout or a request limit.
  const enabledFor = (options: FastifyServerOptions): boolean => {
    let enabled = false;
    const publicPath = { useSerializedHeads: () => (enabled = true), tryServe: () => false } as unknown as PublicPath;
    createPublicServer(() => undefined, options, publicPath).close();
    return enabled;
  };

  it('enables serialised heads only without Keep-Alive', () => {
    assert.equal(enabledFor({ connectionTimeout: 72_000 }), true);
    assert.equal(enabledFor({ keepAliveTimeout: 72_000 }), false);
    assert.equal(enabledFor({ connectionTimeout: 72_000, maxRequestsPerSocket: 100 }), false);
  });
});

