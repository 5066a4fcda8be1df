import type { MediaRow } from '../db/schema.js';
import { toMediaView } from '../media/media-view.js';
import type { PublicLinks } from '../media/public-links.js';

/** The image an editor inserts for an upload: its public URL and displayed size. */
export interface InsertedImage {
  readonly name: string;
  readonly url: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
}

/**
 * Describes the image an editor inserts: the public URL, which serves the mail-ready rendition unless the
 * original is published, with the size and dimensions of those served bytes.
 */
export function toInsertedImage(row: MediaRow, links: PublicLinks): InsertedImage {
  const view = toMediaView(row, links);
  const served = view.rendition !== null && !view.publishOriginal ? view.rendition : null;
  return {
    name: view.name,
    url: view.url,
    size: served?.size ?? view.size,
    width: served?.width ?? view.width,
    height: served?.height ?? view.height,
  };
}
