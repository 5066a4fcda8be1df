import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { loadSharp } from '../images/sharp-module.js';

import type { Representation } from '../serving/representation.js';
import type { ByteRange } from '../storage/blob-store.js';

/** Grey of Mosaico's placeholders: light enough for dark template text to stay readable over it. */
const PLACEHOLDER_GREY = { r: 0xcc, g: 0xcc, b: 0xcc };
/** Placeholders kept in memory, so a template opened again costs no encoding. */
const CACHED_PLACEHOLDERS = 64;
/**
 * A placeholder depends on its size alone and never changes, so caches may keep it for a year. For the
 * same reason its Last-Modified is the epoch.
 */
const PLACEHOLDER_CACHE_CONTROL = 'public, max-age=31536000, immutable';
const NEVER_MODIFIED = new Date(0);

/** Bytes to serve with their description, as the public path serves a media. */
export interface InMemoryContent {
  readonly representation: Representation;
  open(range: ByteRange): Promise<Readable>;
}

/** Draws the grey W×H PNG images that Mosaico shows in place of images not chosen yet. */
export class MosaicoPlaceholders {
  private readonly cache = new Map<string, Promise<InMemoryContent>>();

  get(width: number, height: number): Promise<InMemoryContent> {
    const key = `${width}x${height}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const drawing = drawPlaceholder(width, height);
    drawing.catch(() => this.cache.delete(key));
    this.cache.set(key, drawing);
    // Map keeps insertion order, so the first key is the oldest entry.
    if (this.cache.size > CACHED_PLACEHOLDERS) this.cache.delete(this.cache.keys().next().value as string);
    return drawing;
  }
}

async function drawPlaceholder(width: number, height: number): Promise<InMemoryContent> {
  const sharp = await loadSharp();
  const data = await sharp({ create: { width, height, channels: 3, background: PLACEHOLDER_GREY } })
    .png({ compressionLevel: 9, palette: true })
    .toBuffer();
  const sha256 = createHash('sha256').update(data).digest('hex');
  return {
    representation: {
      size: data.length,
      etag: `"${sha256}"`,
      lastModified: NEVER_MODIFIED,
      headers: {
        'content-type': 'image/png',
        'x-content-type-options': 'nosniff',
        'accept-ranges': 'bytes',
        'cache-control': PLACEHOLDER_CACHE_CONTROL,
        'content-disposition': `inline; filename="placeholder-${width}x${height}.png"`,
      },
    },
    open: async (range) => Readable.from([data.subarray(range.start, range.end + 1)]),
  };
}
