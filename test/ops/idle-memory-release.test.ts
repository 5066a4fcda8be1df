import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { describe, it } from 'node:test';

import { pino } from 'pino';

import { collectEverything } from '../../src/ops/garbage-collection.js';
import { IdleMemoryRelease } from '../../src/ops/idle-memory-release.js';

const logger = pino({ level: 'silent' });
const MIB = 1024 * 1024;

/** Keeps the event loop busy for `ms`, as a server under load does. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** Creates a release with a heap size the test sets, counting the collections it runs. */
function countingRelease(options: { intervalMs?: number; idleChecks?: number } = {}): { release: IdleMemoryRelease; heap: { bytes: number }; collections: () => number } {
  const heap = { bytes: 40 * MIB };
  let collections = 0;
  const release = new IdleMemoryRelease({
    logger,
    heapBytes: () => heap.bytes,
    collect: async () => {
      collections += 1;
    },
    intervalMs: options.intervalMs,
    idleChecks: options.idleChecks ?? 1,
  });
  return { release, heap, collections: () => collections };
}

/**
 * Checks after each of up to ten quiet pauses until a check releases, and returns true if one did. On a
 * loaded machine a pause can still count as busy, so a single check is not enough.
 */
async function releasesOnceIdle(release: IdleMemoryRelease): Promise<boolean> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    await sleep(300);
    if (await release.check()) return true;
  }
  return false;
}

describe('idle memory release', () => {
  it('returns the freed heap to the system', async () => {
    let garbage: object[] | null = [];
    for (let i = 0; i < 600_000; i += 1) garbage.push({ index: i, label: `entry ${i}`, values: [i, i + 1, i + 2] });
    const grown = { heap: v8.getHeapStatistics().total_heap_size, resident: process.memoryUsage.rss() };
    garbage = null;
    await collectEverything();
    // V8 unmaps the freed pages on a background thread, a moment after the collection.
    for (let waited = 0; waited < 3_000 && process.memoryUsage.rss() > grown.resident - 30 * MIB; waited += 100) await sleep(100);
    const after = { heap: v8.getHeapStatistics().total_heap_size, resident: process.memoryUsage.rss() };
    assert.equal(garbage, null);
    assert.ok(after.heap < grown.heap - 30 * MIB, `the heap went from ${grown.heap} to ${after.heap} bytes`);
    assert.ok(after.resident < grown.resident - 30 * MIB, `resident memory went from ${grown.resident} to ${after.resident} bytes`);
  });

  it('collects again only after growth', async () => {
    const { release, heap, collections } = countingRelease();
    assert.equal(await releasesOnceIdle(release), true, 'the first idle check releases what start-up left');
    await sleep(300);
    assert.equal(await release.check(), false, 'no growth since the last release');
    heap.bytes += 4 * MIB;
    await sleep(300);
    assert.equal(await release.check(), false, 'too little growth to be worth a pause');
    heap.bytes += 20 * MIB;
    assert.equal(await releasesOnceIdle(release), true, 'idle, with a heap grown since the last release');
    assert.equal(collections(), 2);
  });

  it('waits for consecutive idle checks', async () => {
    const { release, collections } = countingRelease({ idleChecks: 3 });
    await sleep(300);
    assert.equal(await release.check(), false, 'one idle check');
    await sleep(300);
    assert.equal(await release.check(), false, 'two idle checks');
    spin(100);
    assert.equal(await release.check(), false, 'a busy check');
    for (const count of ['one', 'two']) {
      await sleep(300);
      assert.equal(await release.check(), false, `${count} idle checks since the busy one`);
    }
    assert.equal(await releasesOnceIdle(release), true);
    assert.equal(collections(), 1);
  });

  it('leaves a busy server alone', async () => {
    const { release, collections } = countingRelease();
    spin(100);
    assert.equal(await release.check(), false);
    assert.equal(collections(), 0);
  });

  it('checks on schedule until stopped', async () => {
    const { release, heap, collections } = countingRelease({ intervalMs: 200 });
    release.start();
    for (let waited = 0; waited < 5_000 && collections() === 0; waited += 100) await sleep(100);
    await sleep(500);
    assert.equal(collections(), 1);
    release.stop();
    heap.bytes += 100 * MIB;
    await sleep(700);
    assert.equal(collections(), 1, 'a stopped release does not run');
  });

  it('survives a failed collection', async () => {
    const release = new IdleMemoryRelease({
      logger,
      collect: async () => {
        throw new Error('collector unavailable');
      },
      idleChecks: 1,
    });
    await sleep(300);
    assert.equal(await release.check(), false);
    assert.equal(release.releases, 0);
  });
});
