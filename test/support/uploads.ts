import { readdir } from 'node:fs/promises';
import path from 'node:path';

import { RESUMABLE_DIRECTORY } from '../../src/storage/staging-area.js';
import type { TestServer } from './test-server.js';
import { bearer } from './test-server.js';

export interface UploadOptions {
  readonly name: string;
  readonly content: Buffer | string;
  /** The Content-Type the client claims; the server never trusts it. */
  readonly type?: string;
  readonly fields?: Record<string, string>;
  readonly token?: string | null;
}

/** Uploads one file through POST /api/v1/media with fetch's own multipart encoder. */
export async function upload(server: TestServer, options: UploadOptions): Promise<Response> {
  const form = new FormData();
  for (const [key, value] of Object.entries(options.fields ?? {})) form.append(key, value);
  const bytes = typeof options.content === 'string' ? Buffer.from(options.content) : options.content;
  form.append('file', new Blob([bytes], { type: options.type ?? 'application/octet-stream' }), options.name);
  const token = options.token === undefined ? server.editorToken : options.token;
  return fetch(`${server.url}/api/v1/media`, {
    method: 'POST',
    headers: token === null ? {} : bearer(token),
    body: form,
  });
}

/** Builds a multipart body by hand, byte for byte, for cases fetch's encoder cannot make. */
export function rawMultipart(parts: readonly { headers: string; body: Buffer | string }[], boundary = 'vitrailboundary'): {
  body: Buffer;
  contentType: string;
} {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${part.headers}\r\n\r\n`));
    chunks.push(typeof part.body === 'string' ? Buffer.from(part.body) : part.body);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Files left in the staging directory, which must be empty once every upload has finished. Resumable
 * uploads count by their partial files, not by the directory that holds them.
 */
export async function stagingLeftovers(server: TestServer): Promise<string[]> {
  const entries = await readdir(path.join(server.dataDir, 'tmp'));
  const resumable = entries.includes(RESUMABLE_DIRECTORY) ? await readdir(path.join(server.dataDir, 'tmp', RESUMABLE_DIRECTORY)) : [];
  return [...entries.filter((entry) => entry !== RESUMABLE_DIRECTORY), ...resumable.map((entry) => `${RESUMABLE_DIRECTORY}/${entry}`)];
}

/** Counts media rows, trashed or not. */
export async function countMediaRows(server: TestServer): Promise<number> {
  const row = await server.server.vitrail.db
    .selectFrom('media')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Waits until a condition holds, polling every 20 ms, or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const MINIMAL_PDF = '%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n';
