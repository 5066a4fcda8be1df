import sharp from 'sharp';

import type { TestServer } from './test-server.js';
import { bearer } from './test-server.js';

/** Makes a PNG of the given size, with a gradient so that it is not trivially compressible. */
export async function makePng(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = (i * 7) % 256;
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

export interface EditorFile {
  readonly name: string;
  readonly content: Buffer | string;
  readonly type?: string;
}

export interface EditorUploadOptions {
  /** Path and query under the server, such as /integrations/ckeditor4/upload?responseType=json. */
  readonly path: string;
  readonly field: string;
  readonly files: readonly EditorFile[];
  readonly fields?: Record<string, string>;
  /** API token; null sends none, undefined sends the editor's. */
  readonly token?: string | null;
  readonly headers?: Record<string, string>;
}

/** Posts files the way an editor does: one multipart request, every file in the same field. */
export async function postEditorUpload(server: TestServer, options: EditorUploadOptions): Promise<Response> {
  const form = new FormData();
  for (const [key, value] of Object.entries(options.fields ?? {})) form.append(key, value);
  for (const file of options.files) {
    const bytes = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    form.append(options.field, new Blob([bytes], { type: file.type ?? 'application/octet-stream' }), file.name);
  }
  const token = options.token === undefined ? server.editorToken : options.token;
  return fetch(`${server.url}${options.path}`, {
    method: 'POST',
    headers: { ...(token === null ? {} : bearer(token)), ...options.headers },
    body: form,
  });
}
