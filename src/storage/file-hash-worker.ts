import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

import type { HashReply, HashRequest } from './hashing-thread.js';

/**
 * The hashing thread: follows files while another thread writes them, reading each one up to the length
 * the writer reports as written, and replies with the SHA-256 of the whole file. Reads come from the page
 * cache, where the writer's bytes still are.
 */

interface FollowedFile {
  readonly fd: number;
  readonly hash: Hash;
  hashed: number;
}

const READ_BYTES = 1024 * 1024;
const buffer = Buffer.allocUnsafe(READ_BYTES);
const files = new Map<number, FollowedFile>();

if (parentPort === null) throw new Error('file-hash-worker runs as a worker thread');
const port = parentPort;

port.on('message', (request: HashRequest) => {
  try {
    handle(request);
  } catch (error) {
    forget(request.id);
    const reply: HashReply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    port.postMessage(reply);
  }
});

function handle(request: HashRequest): void {
  switch (request.type) {
    case 'follow':
      files.set(request.id, { fd: openSync(request.path, 'r'), hash: createHash('sha256'), hashed: 0 });
      return;
    case 'written': {
      const file = files.get(request.id);
      if (file !== undefined) hashUpTo(file, request.end);
      return;
    }
    case 'finish': {
      const file = files.get(request.id);
      if (file === undefined) throw new Error('the file is not followed');
      hashUpTo(file, request.end);
      forget(request.id);
      const reply: HashReply = { id: request.id, sha256: file.hash.digest('hex') };
      port.postMessage(reply);
      return;
    }
    case 'forget':
      forget(request.id);
      return;
  }
}

function hashUpTo(file: FollowedFile, end: number): void {
  while (file.hashed < end) {
    const read = readSync(file.fd, buffer, 0, Math.min(READ_BYTES, end - file.hashed), file.hashed);
    if (read === 0) throw new Error(`the file ends at byte ${file.hashed}, before the ${end} bytes reported written`);
    file.hash.update(buffer.subarray(0, read));
    file.hashed += read;
  }
}

function forget(id: number): void {
  const file = files.get(id);
  if (file === undefined) return;
  files.delete(id);
  closeSync(file.fd);
}
