import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import { Upload } from '@tus/server';
import { pino } from 'pino';

import { UPLOAD_BYTES_PER_YOUNG_COLLECTION, UploadGarbagePacer } from '../../src/ops/garbage-collection.js';
import { HashingFileStore } from '../../src/storage/hashing-file-store.js';
import { StagingArea } from '../../src/storage/staging-area.js';

const MIB = 1024 * 1024;

/** Creates a pacer that counts the collections it requests instead of running them. */
function countingPacer(): { pacer: UploadGarbagePacer; collections: () => number } {
  let collections = 0;
  const pacer = new UploadGarbagePacer(() => {
    collections += 1;
  });
  return { pacer, collections: () => collections };
}

/** `total` random bytes in chunks of 64 KiB, as socket reads give them. */
function socketReads(total: number): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < total; offset += 64 * 1024) chunks.push(randomBytes(Math.min(64 * 1024, total - offset)));
  return Readable.from(chunks);
}

describe('upload garbage pacer', () => {
  it('collects every 4 MiB received', () => {
    const { pacer, collections } = countingPacer();
    pacer.received(UPLOAD_BYTES_PER_YOUNG_COLLECTION - 1);
    assert.equal(collections(), 0);
    pacer.received(1);
    assert.equal(collections(), 1);
    for (let i = 0; i < 128; i += 1) pacer.received(64 * 1024);
    assert.equal(collections(), 3);
    assert.equal(pacer.youngCollections, 3);
  });

  it("runs V8's young-generation collection", async () => {
    const seen: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) seen.push(((entry as { detail?: { kind: number } }).detail ?? { kind: -1 }).kind);
    });
    observer.observe({ entryTypes: ['gc'] });
    new UploadGarbagePacer().received(UPLOAD_BYTES_PER_YOUNG_COLLECTION);
    // Entries reach the observer on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    assert.ok(seen.includes(constants.NODE_PERFORMANCE_GC_MINOR), `collections seen: ${seen.join(', ')}`);
  });

  it('counts what the staging area receives', async () => {
    const { pacer, collections } = countingPacer();
    const area = new StagingArea(await mkdtemp(path.join(os.tmpdir(), 'vitrail-pacer-')), undefined, null, pacer);
    await area.prepare();
    try {
      const staged = await area.receive(socketReads(10 * MIB), 20 * MIB);
      assert.equal(staged.size, 10 * MIB);
      assert.equal(collections(), 2);
    } finally {
      await rm(area.directory, { recursive: true, force: true });
    }
  });

  it('counts what a tus PATCH writes', async () => {
    const { pacer, collections } = countingPacer();
    const directory = await mkdtemp(path.join(os.tmpdir(), 'vitrail-pacer-tus-'));
    const store = new HashingFileStore({ directory, logger: pino({ level: 'silent' }), garbagePacer: pacer });
    try {
      await store.create(new Upload({ id: 'paced', size: 9 * MIB, offset: 0 }));
      assert.equal(await store.write(socketReads(9 * MIB), 'paced', 0), 9 * MIB);
      assert.equal(collections(), 2);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
