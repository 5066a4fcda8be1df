import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PublicMediaCache, type ServedMedia } from '../../src/serving/public-media-cache.js';
import { describeMedia } from '../../src/serving/representation.js';

function served(mediaId: string, size: number): ServedMedia {
  const representation = describeMedia({
    sha256: 'a'.repeat(64),
    size,
    mime: 'application/pdf',
    name: `${mediaId}.pdf`,
    visibility: 'public',
    created_at: '2026-01-01T00:00:00.000Z',
  });
  return { mediaId, blobKey: 'a'.repeat(64), representation };
}

describe('PublicMediaCache', () => {
  it('ignores a lookup older than an invalidation', () => {
    const cache = new PublicMediaCache({ memoryBytes: 1000, maxEntries: 10 });
    const ticket = cache.ticket();
    cache.invalidate('other-media');
    assert.equal(cache.remember(served('media-1', 10), ticket), null);
    assert.equal(cache.get('media-1'), undefined);
  });

  it('plans plain GET and HEAD once', () => {
    const cache = new PublicMediaCache({ memoryBytes: 1000, maxEntries: 10 });
    const entry = cache.remember(served('media-1', 10), cache.ticket());
    assert.ok(entry !== null);
    assert.equal(entry.plainGet.plan.status, 200);
    assert.deepEqual(entry.plainGet.plan.body, { start: 0, end: 9 });
    assert.equal(entry.plainHead.plan.body, null);
    assert.equal(entry.plainHead.plan.headers['content-length'], '10');
  });

  it('keeps bodies within the byte budget', () => {
    const cache = new PublicMediaCache({ memoryBytes: 400, maxEntries: 10 });
    assert.equal(cache.maxBodyBytes, 100);
    const entries = ['m1', 'm2', 'm3', 'm4', 'm5'].map((id) => cache.remember(served(id, 100), cache.ticket()));
    for (const entry of entries) {
      assert.ok(entry !== null);
      assert.equal(cache.wantsBody(entry), true);
      cache.storeBody(entry, Buffer.alloc(100));
    }
    assert.equal(cache.cachedBodyBytes, 400);
    assert.equal(cache.get('m1'), undefined, 'the least recently used entry is evicted');
    assert.ok(cache.get('m5')?.body);
  });

  it('gives served entries a second chance', () => {
    const cache = new PublicMediaCache({ memoryBytes: 400, maxEntries: 10 });
    const store = (id: string) => {
      const entry = cache.remember(served(id, 100), cache.ticket());
      assert.ok(entry !== null);
      cache.storeBody(entry, Buffer.alloc(100));
    };
    for (const id of ['m1', 'm2', 'm3', 'm4']) store(id);
    assert.ok(cache.get('m1'), 'm1 is served');
    store('m5');
    assert.ok(cache.peek('m1'), 'the served entry stays');
    assert.equal(cache.peek('m2'), undefined, 'the oldest entry not served goes');
    store('m6');
    assert.equal(cache.peek('m3'), undefined, 'the served entry went to the end of the queue');
    assert.ok(cache.peek('m1'));
    for (const id of ['m1', 'm4', 'm5', 'm6']) assert.ok(cache.get(id));
    store('m7');
    assert.equal(cache.cachedBodyBytes, 400);
    // The queue is m4, m5, m1 (sent to the end when m5 came), m6, then m7, which is being added.
    assert.equal(cache.peek('m4'), undefined, 'when every entry was served, the first in the queue goes after all');
    assert.ok(cache.peek('m7')?.body, 'the entry being added stays');
  });

  it('refuses a body too large or for a stale entry', () => {
    const cache = new PublicMediaCache({ memoryBytes: 400, maxEntries: 10 });
    const large = cache.remember(served('large', 101), cache.ticket());
    assert.ok(large !== null);
    assert.equal(cache.wantsBody(large), false);
    cache.storeBody(large, Buffer.alloc(101));
    assert.equal(large.body, null);

    const stale = cache.remember(served('stale', 50), cache.ticket());
    assert.ok(stale !== null);
    cache.invalidate('stale');
    cache.storeBody(stale, Buffer.alloc(50));
    assert.equal(cache.cachedBodyBytes, 0);
    assert.equal(cache.get('stale'), undefined);
  });

  it('caps the number of entries', () => {
    const cache = new PublicMediaCache({ memoryBytes: 0, maxEntries: 2 });
    for (const id of ['m1', 'm2', 'm3']) cache.remember(served(id, 10), cache.ticket());
    assert.equal(cache.peek('m1'), undefined);
    assert.ok(cache.peek('m2'));
    assert.ok(cache.peek('m3'));
  });
});
