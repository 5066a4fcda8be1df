import type { MediaRow } from '../db/schema.js';
import { toMediaView } from '../media/media-view.js';
import type { PublicLinks } from '../media/public-links.js';

/** What an editor inserts for an uploaded image: its public URL and displayed size. */
export interface InsertedImage {
  readonly name: string;
  readonly url: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
}

/** Describes the image an editor inserts: the URL and size that the public URL serves to a mail client. */
export function toInsertedImage(row: MediaRow, links: PublicLinks): InsertedImage {
  const view = toMediaView(row, links);
  return { name: view.name, url: view.url, size: view.size, width: view.width, height: view.height };
}
