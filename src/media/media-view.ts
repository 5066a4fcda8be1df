import type { MediaRow } from '../db/schema.js';
import type { PublicLinks } from './public-links.js';

/** A media as the API returns it. */
export interface MediaView {
  readonly id: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly sha256: string;
  readonly width: number | null;
  readonly height: number | null;
  readonly visibility: MediaRow['visibility'];
  readonly alt: string;
  readonly url: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly trashedAt: string | null;
  /** Number of the current content: 1 at upload, plus one per replacement. */
  readonly version: number;
}

export function toMediaView(row: MediaRow, links: PublicLinks): MediaView {
  return {
    id: row.id,
    name: row.name,
    mime: row.mime,
    size: Number(row.size),
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    visibility: row.visibility,
    alt: row.alt,
    url: links.media(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    trashedAt: row.trashed_at,
    version: row.version,
  };
}
