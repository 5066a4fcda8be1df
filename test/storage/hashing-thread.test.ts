import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import pino from 'pino';

import { FileDigest, HASHING_THREAD_MIN_BYTES } from '../../src/storage/file-digest.js';
import { HashingThread } from '../../src/storage/hashing-thread.js';
import { StagedFileTooLargeError, StagingArea } from '../../src/storage/staging-area.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Splits bytes into chunks of the size a socket read gives. */
function chunksOf(bytes: Buffer, size = 64 * 1024): Buffer[] {
  return Array.from({ length: Math.ceil(bytes.length / size) }, (_unused, index) => bytes.subarray(index * size, (index + 1) * size));
}

describe('hashing thread', () => {
  let directory: string;
  let thread: HashingThread;
  let area: StagingArea;

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'vitrail-hashing-'));
    thread = new HashingThread(pino({ level: 'silent' }));
    area = new StagingArea(directory, 4 * 1024 * 1024, thread);
    await area.prepare();
  });
  after(async () => {
    await thread.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('hashes large uploads on the thread', async () => {
    const content = randomBytes(HASHING_THREAD_MIN_BYTES * 2 + 12_345);
    const staged = await area.receive(Readable.from(chunksOf(content)), content.length);
    assert.equal(staged.sha256, sha256(content));
    assert.equal(staged.size, content.length);
    assert.equal(thread.running, true, 'the upload was large enough to start the thread');
    assert.equal(thread.followedFiles, 0);
    await area.discard(staged);
  });

  it('hashes small uploads in place', async () => {
    const content = randomBytes(100_000);
    const staged = await area.receive(Readable.from(chunksOf(content)), content.length);
    assert.equal(staged.sha256, sha256(content));
    assert.equal(thread.followedFiles, 0);
    await area.discard(staged);
  });

  it('cleans up a failed large upload', async () => {
    const content = randomBytes(HASHING_THREAD_MIN_BYTES + 1024 * 1024);
    const chunks = chunksOf(content);
    const failing = Readable.from(
      (async function* () {
        yield* chunks;
        throw new Error('connection reset');
      })(),
    );
    await assert.rejects(area.receive(failing, content.length * 2), /connection reset/);
    assert.equal(thread.followedFiles, 0);
    assert.deepEqual(await readdir(directory), []);
  });

  it('cleans up an oversized upload', async () => {
    const content = randomBytes(HASHING_THREAD_MIN_BYTES + 2 * 1024 * 1024);
    await assert.rejects(area.receive(Readable.from(chunksOf(content)), HASHING_THREAD_MIN_BYTES + 1024 * 1024), StagedFileTooLargeError);
    assert.equal(thread.followedFiles, 0);
    assert.deepEqual(await readdir(directory), []);
  });

  it('rejects a file shorter than reported', async () => {
    const file = path.join(directory, 'short.part');
    const content = randomBytes(HASHING_THREAD_MIN_BYTES + 10);
    await writeFile(file, content);
    const digest = new FileDigest(file, thread);
    for (const chunk of chunksOf(content)) digest.update(chunk, 0);
    await assert.rejects(digest.digest(content.length + 5), /ends at byte .* before the .* bytes reported written/);
    assert.equal(thread.followedFiles, 0);
    await rm(file);
  });

  it('fails files after a stop', async () => {
    const file = path.join(directory, 'stopped.part');
    const content = randomBytes(HASHING_THREAD_MIN_BYTES + 10);
    await writeFile(file, content);
    const own = new HashingThread(pino({ level: 'silent' }));
    const digest = new FileDigest(file, own);
    for (const chunk of chunksOf(content)) digest.update(chunk, 0);
    await own.close();
    await assert.rejects(digest.digest(content.length), /stopped/);
    assert.equal(own.followedFiles, 0);
    await rm(file);
  });
});
