import type { InsertedImage } from './inserted-image.js';

/**
 * Mosaico's upload and gallery protocol, the one of the jQuery File Upload library (blueimp) it uses:
 * `{"files":[…]}` where each entry has `name`, `size`, `url` and `thumbnailUrl`, or `name`, `size` and
 * `error` for a rejected file. Mosaico inserts `url`, and shows `thumbnailUrl` in its gallery.
 */
export interface MosaicoFile {
  readonly name: string;
  readonly size: number;
  readonly url: string;
  readonly thumbnailUrl: string;
  readonly width?: number;
  readonly height?: number;
}

export interface MosaicoRejectedFile {
  readonly name: string;
  readonly size: number;
  readonly error: string;
}

export interface MosaicoFileList {
  readonly files: readonly (MosaicoFile | MosaicoRejectedFile)[];
}

/** Width of gallery thumbnails, in pixels: Mosaico shows them in a narrow side panel. */
export const MOSAICO_THUMBNAIL_WIDTH = 160;

export function mosaicoFile(image: InsertedImage, thumbnailUrl: string): MosaicoFile {
  return {
    name: image.name,
    size: image.size,
    url: image.url,
    thumbnailUrl,
    ...(image.width === null ? {} : { width: image.width }),
    ...(image.height === null ? {} : { height: image.height }),
  };
}

export function mosaicoRejectedFile(name: string, size: number, error: string): MosaicoRejectedFile {
  return { name, size, error };
}
