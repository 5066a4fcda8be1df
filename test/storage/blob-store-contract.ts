import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import type { BlobStore } from '../../src/storage/blob-store.js';

export interface BlobStoreFixture {
  readonly store: BlobStore;
  close(): Promise<void>;
}

/**
 * The behaviour every blob store must have. Each implementation runs it against a real instance of
 * itself: the local disk store today, an S3 store later.
 */
export function describeBlobStoreContract(name: string, createFixture: () => Promise<BlobStoreFixture>): void {
  describe(`${name} blob store contract`, () => {
    let fixture: BlobStoreFixture;
    let scratch: string;

    before(async () => {
      fixture = await createFixture();
      scratch = await mkdtemp(path.join(os.tmpdir(), 'vitrail-contract-'));
    });
    after(async () => {
      await fixture.close();
    });

    const stage = async (content: Buffer): Promise<{ sha256: string; file: string }> => {
      const sha256 = createHash('sha256').update(content).digest('hex');
      const file = path.join(scratch, `${sha256}-${Math.random().toString(16).slice(2)}`);
      await writeFile(file, content);
      return { sha256, file };
    };

    it('stores a file and reads it back whole', async () => {
      const content = Buffer.from('bonjour la paroisse');
      const { sha256, file } = await stage(content);
      await fixture.store.putFile(sha256, file);
      assert.deepEqual(await readAll(await fixture.store.openRead(sha256)), content);
      assert.deepEqual(await fixture.store.stat(sha256), { sha256, size: content.length });
    });

    it('reads an inclusive byte range', async () => {
      const content = Buffer.from('0123456789');
      const { sha256, file } = await stage(content);
      await fixture.store.putFile(sha256, file);
      assert.equal((await readAll(await fixture.store.openRead(sha256, { start: 2, end: 5 }))).toString(), '2345');
    });

    it('keeps one copy when the same content is put twice', async () => {
      const content = Buffer.from('deux fois le même contenu');
      const first = await stage(content);
      const second = await stage(content);
      await fixture.store.putFile(first.sha256, first.file);
      await fixture.store.putFile(second.sha256, second.file);
      const listed = [];
      for await (const blob of fixture.store.list()) if (blob.sha256 === first.sha256) listed.push(blob);
      assert.equal(listed.length, 1);
    });

    it('reports storedAt and refreshes it on a second put', async () => {
      const content = Buffer.from('envoyé, puis renvoyé plus tard');
      const first = await stage(content);
      await fixture.store.putFile(first.sha256, first.file);
      const storedAt = async () => {
        for await (const blob of fixture.store.list()) if (blob.sha256 === first.sha256) return blob.storedAt;
        return undefined;
      };
      const before = await storedAt();
      // Orphan cleanup relies on this time to leave the blobs of uploads in flight alone.
      assert.ok(before instanceof Date, 'list must report storedAt');
      await new Promise((resolve) => setTimeout(resolve, 30));
      const second = await stage(content);
      await fixture.store.putFile(second.sha256, second.file);
      const after = await storedAt();
      assert.ok(after instanceof Date);
      assert.ok(after.getTime() > before.getTime(), 'a second put must make the blob young again');
    });

    it('returns null for the stat of a missing blob', async () => {
      assert.equal(await fixture.store.stat('0'.repeat(64)), null);
    });

    it('fails with ENOENT when opening a missing blob', async () => {
      await assert.rejects(fixture.store.openRead('1'.repeat(64)), (error: NodeJS.ErrnoException) => error.code === 'ENOENT');
    });

    it('deletes a blob, and deleting again is not an error', async () => {
      const { sha256, file } = await stage(Buffer.from('à supprimer'));
      await fixture.store.putFile(sha256, file);
      await fixture.store.delete(sha256);
      assert.equal(await fixture.store.stat(sha256), null);
      await fixture.store.delete(sha256);
    });

    it('lists every stored blob with its size', async () => {
      const stored = new Map<string, number>();
      for (const text of ['un', 'deux', 'trois']) {
        const { sha256, file } = await stage(Buffer.from(`liste ${text}`));
        await fixture.store.putFile(sha256, file);
        stored.set(sha256, Buffer.byteLength(`liste ${text}`));
      }
      const listed = new Map<string, number>();
      for await (const blob of fixture.store.list()) listed.set(blob.sha256, blob.size);
      for (const [sha256, size] of stored) assert.equal(listed.get(sha256), size);
    });

    it('lists no strays beside stored blobs', async () => {
      const { sha256, file } = await stage(Buffer.from('rien que des blobs'));
      await fixture.store.putFile(sha256, file);
      const strays = [];
      for await (const stray of fixture.store.listStrays()) strays.push(stray);
      assert.deepEqual(strays, []);
    });

    it('rejects a name that is not a SHA-256', async () => {
      await assert.rejects(fixture.store.stat('../../etc/passwd'));
    });
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
