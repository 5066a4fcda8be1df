import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { FetchCounter } from '../../src/media/fetch-counter.js';
import { cachedPdf, eventuallyCached } from '../support/cached-media.js';
import { RawConnection } from '../support/raw-connection.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Records the calls made to fetch counters until `stop`, and still passes them on. */
function watchFetchRecords(): { calls: { mediaId: string; fetches: number }[]; stop: () => void } {
  const record = FetchCounter.prototype.record;
  const calls: { mediaId: string; fetches: number }[] = [];
  FetchCounter.prototype.record = function (this: FetchCounter, mediaId: string, fetches = 1) {
    calls.push({ mediaId, fetches });
    record.call(this, mediaId, fetches);
  };
  return { calls, stop: () => (FetchCounter.prototype.record = record) };
}

async function recentFetches(server: TestServer, mediaId: string): Promise<number> {
  const response = await fetch(`${server.url}/api/v1/media/${mediaId}`, { headers: { authorization: `Bearer ${server.editorToken}` } });
  return ((await response.json()) as { recentFetches: number }).recentFetches;
}

describe('public path turns', () => {
  let server: TestServer;
  let port: number;

  before(async () => {
    server = await startTestServer();
    port = Number(new URL(server.url).port);
  });
  after(async () => {
    await server.close();
  });

  it('records pipelined fetches in one call', async () => {
    const media = await cachedPdf(server, 'feuille-de-chants.pdf');
    assert.equal((await fetch(`${server.url}${media.path}`)).status, 200);
    await eventuallyCached(server, media.id);
    const { calls, stop } = watchFetchRecords();
    const connection = new RawConnection(port);
    try {
      // Sent in one write, the four requests are read and served in one turn.
      for (const method of ['GET', 'GET', 'HEAD', 'GET']) connection.send(method, media.path);
      for (const method of ['GET', 'GET', 'HEAD', 'GET']) {
        const response = await connection.read(method);
        assert.equal(response.statusLine, 'HTTP/1.1 200 OK');
      }
    } finally {
      connection.close();
      stop();
    }
    assert.deepEqual(calls, [{ mediaId: media.id, fetches: 4 }]);
    assert.equal(await recentFetches(server, media.id), 5, 'the route, then four hits');
  });

  it('answers a hit with Expect', async () => {
    const media = await cachedPdf(server, 'inscriptions.pdf');
    assert.equal((await fetch(`${server.url}${media.path}`)).status, 200);
    await eventuallyCached(server, media.id);

    const connection = new RawConnection(port);
    try {
      connection.send('GET', media.path, 'HTTP/1.1', { Expect: '100-continue' });
      assert.equal((await connection.read('GET')).statusLine, 'HTTP/1.1 100 Continue');
      const response = await connection.read('GET');
      assert.equal(response.statusLine, 'HTTP/1.1 200 OK');
      assert.ok(response.body.equals(media.content));
    } finally {
      connection.close();
    }
  });

  it('records pending fetches on close', async () => {
    const own = await startTestServer();
    const { calls, stop } = watchFetchRecords();
    try {
      const media = await cachedPdf(own, 'bulletin.pdf');
      assert.equal((await fetch(`${own.url}${media.path}`)).status, 200);
      await eventuallyCached(own, media.id);
      calls.length = 0;
      const publicPath = own.server.vitrail.publicPath;
      const tryServe = publicPath.tryServe.bind(publicPath);
      let recordedAtClose: number | undefined;
      publicPath.tryServe = (request, response, fallback) => {
        const served = tryServe(request, response, fallback);
        if (served) {
          // In the turn of the hit, before the turn's end would give its fetch to the counter.
          publicPath.close();
          recordedAtClose = calls.length;
        }
        return served;
      };
      assert.equal((await fetch(`${own.url}${media.path}`)).status, 200);
      assert.equal(recordedAtClose, 1);
      assert.deepEqual(calls, [{ mediaId: media.id, fetches: 1 }]);
    } finally {
      stop();
      await own.close();
    }
  });
});
