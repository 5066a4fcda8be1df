import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { TestServer } from './test-server.js';
import { upload } from './uploads.js';

/** Uploads a public PDF of about 3 KB. Returns its id, the path of its public URL and its bytes. */
export async function cachedPdf(server: TestServer, name: string): Promise<{ id: string; path: string; content: Buffer }> {
  const content = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000)]);
  const response = await upload(server, { name, content });
  assert.equal(response.status, 201);
  const media = (await response.json()) as { id: string; url: string };
  return { id: media.id, path: new URL(media.url).pathname, content };
}

/** Waits until the cache has the media. The route fills it and reads a small body in the background. */
export async function eventuallyCached(server: TestServer, mediaId: string): Promise<void> {
  for (let attempt = 0; attempt < 100 && !server.server.vitrail.publicPath.isCached(mediaId); attempt += 1) await sleep(10);
  assert.equal(server.server.vitrail.publicPath.isCached(mediaId), true);
  await sleep(30);
}
