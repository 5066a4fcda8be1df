import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import { LocalBlobStore } from '../../src/storage/local-blob-store.js';
import { StagedFileTooLargeError, StagingArea } from '../../src/storage/staging-area.js';
import { describeBlobStoreContract } from './blob-store-contract.js';

describeBlobStoreContract('local disk', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'vitrail-blobs-'));
  return { store: new LocalBlobStore(root), close: () => rm(root, { recursive: true, force: true }) };
});

describe('LocalBlobStore strays', () => {
  it('lists what is not a blob at its place', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'vitrail-strays-'));
    try {
      const store = new LocalBlobStore(root);
      const content = Buffer.from('un vrai blob');
      const sha256 = createHash('sha256').update(content).digest('hex');
      const staged = path.join(os.tmpdir(), `vitrail-strays-${sha256}`);
      await writeFile(staged, content);
      await store.putFile(sha256, staged);

      const fanOut = path.join(root, 'ab', 'cd');
      await mkdir(fanOut, { recursive: true });
      await mkdir(path.join(root, 'zz', 'yy'), { recursive: true });
      await mkdir(path.join(fanOut, 'folder'));
      await writeFile(path.join(root, 'orphan'), 'at the top');
      await writeFile(path.join(root, 'ab', 'note.txt'), 'one level down');
      await writeFile(path.join(fanOut, 'notahash'), 'in a fan-out folder');
      // The right name in the wrong folder: pathOf never looks there, so it is no blob of the store.
      await writeFile(path.join(fanOut, sha256), content);
      await symlink(store.pathOf(sha256), path.join(fanOut, 'f'.repeat(64)));

      const blobs = [];
      for await (const blob of store.list()) blobs.push(blob.sha256);
      assert.deepEqual(blobs, [sha256]);

      const strays = new Map<string, { type: string; size: number | null }>();
      for await (const stray of store.listStrays()) strays.set(path.relative(root, stray.location), { type: stray.type, size: stray.size });
      assert.deepEqual(
        Object.fromEntries([...strays].sort(([a], [b]) => a.localeCompare(b))),
        {
          [path.join('ab', 'cd', 'f'.repeat(64))]: { type: 'other', size: null },
          [path.join('ab', 'cd', 'folder')]: { type: 'directory', size: null },
          [path.join('ab', 'cd', 'notahash')]: { type: 'file', size: 19 },
          [path.join('ab', 'cd', sha256)]: { type: 'file', size: content.length },
          [path.join('ab', 'note.txt')]: { type: 'file', size: 14 },
          orphan: { type: 'file', size: 10 },
          zz: { type: 'directory', size: null },
        },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('StagingArea', () => {
  const makeArea = async () => {
    const area = new StagingArea(await mkdtemp(path.join(os.tmpdir(), 'vitrail-staging-')));
    await area.prepare();
    return area;
  };

  it('hashes and counts what it receives', async () => {
    const area = await makeArea();
    const staged = await area.receive(Readable.from([Buffer.from('abc')]), 10);
    assert.equal(staged.size, 3);
    assert.equal(staged.sha256, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal((await stat(staged.path)).size, 3);
  });

  it('removes the partial file when the limit is passed', async () => {
    const area = await makeArea();
    await assert.rejects(area.receive(Readable.from([Buffer.alloc(8), Buffer.alloc(8)]), 10), StagedFileTooLargeError);
    assert.deepEqual(await readdir(area.directory), []);
  });

  it('removes the partial file when the source fails', async () => {
    const area = await makeArea();
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(4));
        this.destroy(new Error('connection reset'));
      },
    });
    await assert.rejects(area.receive(failing, 100), /connection reset/);
    assert.deepEqual(await readdir(area.directory), []);
  });

  it('hashes a stream of many chunks exactly, syncing early', async () => {
    // A 64 KiB interval makes the early syncs run several times during this 1 MiB upload.
    const area = new StagingArea(await mkdtemp(path.join(os.tmpdir(), 'vitrail-staging-')), 64 * 1024);
    await area.prepare();
    const content = randomBytes(1024 * 1024 + 123);
    const chunks = Array.from({ length: Math.ceil(content.length / 10_000) }, (_unused, index) => content.subarray(index * 10_000, (index + 1) * 10_000));
    const staged = await area.receive(Readable.from(chunks), 2 * 1024 * 1024);
    assert.equal(staged.size, content.length);
    assert.equal(staged.sha256, createHash('sha256').update(content).digest('hex'));
    assert.deepEqual(await readFile(staged.path), content);
  });

  it('removes the partial file when a syncing upload passes the limit', async () => {
    const area = new StagingArea(await mkdtemp(path.join(os.tmpdir(), 'vitrail-staging-')), 64 * 1024);
    await area.prepare();
    const chunks = Array.from({ length: 40 }, () => randomBytes(16 * 1024));
    await assert.rejects(area.receive(Readable.from(chunks), 500 * 1024), StagedFileTooLargeError);
    assert.deepEqual(await readdir(area.directory), []);
  });

  it('removes leftovers of earlier runs', async () => {
    const area = await makeArea();
    await area.receive(Readable.from([Buffer.from('reste')]), 100);
    assert.equal(await area.removeLeftovers(), 1);
    assert.deepEqual(await readdir(area.directory), []);
  });
});
