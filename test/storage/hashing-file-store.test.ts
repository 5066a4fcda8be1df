import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import { Upload } from '@tus/server';
import pino from 'pino';

import { HashingFileStore } from '../../src/storage/hashing-file-store.js';

describe('HashingFileStore', () => {
  let directory: string;
  let store: HashingFileStore;

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'vitrail-tus-'));
    // A small early sync interval makes the early syncs run during these writes of a few hundred KiB.
    store = new HashingFileStore({ directory, logger: pino({ level: 'silent' }), earlySyncIntervalBytes: 64 * 1024 });
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const createUpload = async (id: string, size: number) => store.create(new Upload({ id, size, offset: 0 }));
  const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

  it('hashes the bytes of several writes as they arrive', async () => {
    const content = randomBytes(300 * 1024);
    await createUpload('three-writes', content.length);
    let offset = 0;
    for (const part of [content.subarray(0, 100_000), content.subarray(100_000, 250_000), content.subarray(250_000)]) {
      offset = await store.write(Readable.from([part]), 'three-writes', offset);
    }
    assert.equal(offset, content.length);
    assert.deepEqual(await readFile(path.join(directory, 'three-writes')), content);
    assert.equal(await store.digestOf('three-writes', content.length), sha256(content));
  });

  it('returns null when the first bytes were written by another process', async () => {
    const content = randomBytes(10_000);
    await createUpload('resumed', content.length);
    await store.write(Readable.from([content.subarray(0, 4000)]), 'resumed', 0);
    // A new store, as after a restart, continues the same partial file without its running hash.
    const restarted = new HashingFileStore({ directory, logger: pino({ level: 'silent' }) });
    await restarted.write(Readable.from([content.subarray(4000)]), 'resumed', 4000);
    assert.equal(await restarted.digestOf('resumed', content.length), null);
  });

  it('returns null after a write that failed midway', async () => {
    await createUpload('broken', 20_000);
    const failing = new Readable({
      read() {
        this.push(randomBytes(5000));
        this.destroy(new Error('connection reset'));
      },
    });
    await assert.rejects(store.write(failing, 'broken', 0));
    assert.equal(await store.digestOf('broken', 5000), null);
  });

  it('returns null for a size other than the bytes hashed', async () => {
    const content = randomBytes(2000);
    await createUpload('short', 4000);
    await store.write(Readable.from([content]), 'short', 0);
    assert.equal(await store.digestOf('short', 4000), null);
  });
});
