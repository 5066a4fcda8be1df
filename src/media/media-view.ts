import type { MediaRow } from '../db/schema.js';
import { publicFileName } from '../serving/served-content.js';
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
  /** The mail-ready image the public URL serves; null for files that are not processed images. */
  readonly rendition: { readonly mime: string; readonly size: number; readonly width: number | null; readonly height: number | null } | null;
  /** true when the public URL serves the original instead of the rendition. */
  readonly publishOriginal: boolean;
  /** API path of the thumbnail (authentication required); null when the media has none. */
  readonly thumbnailPath: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly trashedAt: string | null;
  /** Number of the current content: 1 at upload, plus one per replacement. */
  readonly version: number;
  /** Folder label, '' for none. */
  readonly folder: string;
  /** Id of the user who uploaded it, null once that user is deleted. */
  readonly createdBy: string | null;
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
    url: links.media({ id: row.id, name: publicFileName(row) }),
    rendition:
      row.rendition_mime === null || row.rendition_size === null
        ? null
        : { mime: row.rendition_mime, size: Number(row.rendition_size), width: row.rendition_width, height: row.rendition_height },
    publishOriginal: row.publish_original === 1,
    thumbnailPath: row.thumbnail_sha256 === null ? null : `/api/v1/media/${row.id}/thumbnail`,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    trashedAt: row.trashed_at,
    version: row.version,
    folder: row.folder,
    createdBy: row.created_by,
  };
}
