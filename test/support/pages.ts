import { readdir } from 'node:fs/promises';
import path from 'node:path';

import type { TestServer } from './test-server.js';
import { bearer } from './test-server.js';

export interface PageUploadOptions {
  readonly name: string;
  readonly content: Buffer | string;
  readonly fields?: Record<string, string>;
  readonly token?: string;
  /** PUT to replace this page instead of POST a new one. */
  readonly replaceId?: string;
}

/** Sends a page through POST /api/v1/pages, or PUT /api/v1/pages/<id> to replace one. */
export async function sendPage(server: TestServer, options: PageUploadOptions): Promise<Response> {
  const form = new FormData();
  for (const [key, value] of Object.entries(options.fields ?? {})) form.append(key, value);
  const bytes = typeof options.content === 'string' ? Buffer.from(options.content) : options.content;
  form.append('file', new Blob([bytes]), options.name);
  const url = options.replaceId === undefined ? `${server.url}/api/v1/pages` : `${server.url}/api/v1/pages/${options.replaceId}`;
  return fetch(url, {
    method: options.replaceId === undefined ? 'POST' : 'PUT',
    headers: bearer(options.token ?? server.editorToken),
    body: form,
  });
}

/** Counts rows of a table. */
export async function countRows(server: TestServer, table: 'media' | 'pages'): Promise<number> {
  const row = await server.server.vitrail.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Every file under the blob store, which must stay empty when an upload is rejected. */
export async function blobFiles(server: TestServer): Promise<string[]> {
  const root = path.join(server.dataDir, 'blobs');
  try {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  } catch {
    return [];
  }
}
