import type { Logger } from 'pino';

import type { MediaDerivedBlobRow, MediaTable } from '../db/schema.js';

import { VitrailError } from '../errors/catalogue.js';
import type { BlobClaimSet } from '../storage/blob-claims.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { StagingArea } from '../storage/staging-area.js';
import { storeBytes, withLocalBlobFile } from './blob-files.js';
import {
  ImageDecodeError,
  ImagePixelLimitError,
  type EncodedImage,
  type ImageFacts,
  type ImageOperation,
  type ImageProcessor,
  type OutputFormat,
} from './image-processor.js';

/** Formats every mail client shows; a rendition is always one of them. */
const MAIL_SAFE_TYPES: Readonly<Record<string, OutputFormat>> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
};

/** JPEG quality of renditions: no visible loss on photos, a third of the weight of quality 95. */
export const RENDITION_JPEG_QUALITY = 82;

/** Thumbnails fit in this square, in pixels: twice the largest tile of the web interface. */
export const THUMBNAIL_BOX = 320;
const THUMBNAIL_QUALITY = 70;

/** The bytes of a public rendition, as recorded on the media. */
export interface RenditionRecord {
  readonly sha256: string;
  readonly mime: string;
  readonly size: number;
  readonly width: number;
  readonly height: number;
}

/** Record of an image upload besides its original: its own dimensions, rendition and thumbnail. */
export interface ImageRecord {
  /** Displayed dimensions of the original, after its orientation. */
  readonly width: number;
  readonly height: number;
  /** SHA-256 of the original, which is also the rendition's when the original is already mail-ready. */
  readonly originalSha256: string;
  /** null for SVG, which is served as uploaded, sandboxed. */
  readonly rendition: RenditionRecord | null;
  readonly thumbnail: RenditionRecord;
}

/** The original as staged or stored: its file, type and identity. */
export interface OriginalImage {
  readonly path: string;
  readonly mime: string;
  readonly sha256: string;
  readonly size: number;
  /** The file name, for error messages. */
  readonly name: string;
}

export interface ImageRenditionsDependencies {
  readonly processor: ImageProcessor;
  readonly blobs: BlobStore;
  readonly staging: StagingArea;
  readonly logger: Logger;
  /** Widest rendition, in pixels. */
  readonly maxWidth: number;
}

/**
 * Decides how an image becomes mail-ready: the operation that makes its rendition, and whether the original
 * already is the rendition. Returns null for SVG, which has no raster rendition.
 */
export function planRendition(mime: string, facts: ImageFacts, maxWidth: number): { operation: ImageOperation; originalFits: boolean } | null {
  if (mime === 'image/svg+xml') return null;
  const sameFormat = MAIL_SAFE_TYPES[mime];
  let format: OutputFormat = 'jpeg';
  if (sameFormat !== undefined) format = sameFormat;
  else if (facts.frames > 1) format = 'gif';
  else if (facts.hasAlpha) format = 'png';
  const operation: ImageOperation = {
    width: facts.width > maxWidth ? maxWidth : undefined,
    fit: 'inside',
    enlarge: false,
    format,
    quality: RENDITION_JPEG_QUALITY,
    animated: format === 'gif',
  };
  const originalFits =
    sameFormat !== undefined && facts.width <= maxWidth && facts.orientation === 1 && !facts.hasMetadata && facts.isPlainSrgb;
  return { operation, originalFits };
}

const THUMBNAIL_OPERATION: ImageOperation = {
  width: THUMBNAIL_BOX,
  height: THUMBNAIL_BOX,
  fit: 'inside',
  enlarge: false,
  format: 'webp',
  quality: THUMBNAIL_QUALITY,
  animated: false,
};

/** Makes the mail-ready rendition and the thumbnail of uploaded images. */
export class ImageRenditions {
  constructor(private readonly deps: ImageRenditionsDependencies) {}

  /** Tells whether uploads of this type get a rendition; other image types are stored and served as uploaded. */
  handles(mime: string): boolean {
    return this.deps.processor.canDecode(mime);
  }

  /**
   * Checks an image and stores its rendition and thumbnail as blobs; the caller records the result on the
   * media row. The header is checked first, so a decompression bomb is rejected before any decoding. Then
   * the original is decoded once, for the rendition, or for the thumbnail when the original is already
   * mail-ready, and truncated data fails that decode. Otherwise the thumbnail is made from the rendition.
   * Nothing is stored when the image is rejected. Returns null for an SVG that cannot be rasterised.
   * Used at upload and when a media's content is replaced. The stored blobs join `claims`, which the caller
   * releases once its rows are committed.
   */
  async createRenditions(original: OriginalImage, claims: BlobClaimSet): Promise<ImageRecord | null> {
    if (original.mime !== 'image/svg+xml') return this.renderAndStore(original, claims);
    // Browsers show an SVG that librsvg cannot size or parse (no width, height nor viewBox), and an SVG
    // is served as uploaded anyway: such a file is kept, without thumbnail or variants.
    try {
      return await this.renderAndStore(original, claims);
    } catch (error) {
      this.deps.logger.warn({ sha256: original.sha256, err: error }, 'SVG kept without thumbnail: it cannot be rasterised');
      return null;
    }
  }

  private async renderAndStore(original: OriginalImage, claims: BlobClaimSet): Promise<ImageRecord> {
    const started = performance.now();
    const source = { path: original.path, mime: original.mime };
    try {
      const facts = await this.deps.processor.inspect(source);
      const plan = planRendition(original.mime, facts, this.deps.maxWidth);
      const rendered = plan === null || plan.originalFits ? null : await this.deps.processor.render(source, plan.operation);

      let rendition: RenditionRecord | null = null;
      let thumbnail: EncodedImage;
      if (rendered !== null) {
        const sha256 = await storeBytes(this.deps.blobs, this.deps.staging, rendered.data, claims);
        rendition = { sha256, mime: rendered.mime, size: rendered.data.length, width: rendered.width, height: rendered.height };
        // The rendition is at most a few megapixels, so its thumbnail costs a fraction of a second decode
        // of the original, which matters most for HEIC.
        const renditionMime = rendered.mime;
        thumbnail = await withLocalBlobFile(this.deps.blobs, this.deps.staging, sha256, (filePath) =>
          this.deps.processor.render({ path: filePath, mime: renditionMime }, THUMBNAIL_OPERATION),
        );
      } else {
        if (plan !== null) {
          rendition = { sha256: original.sha256, mime: original.mime, size: original.size, width: facts.width, height: facts.height };
        }
        thumbnail = await this.deps.processor.render(source, THUMBNAIL_OPERATION);
      }
      const thumbnailSha256 = await storeBytes(this.deps.blobs, this.deps.staging, thumbnail.data, claims);
      this.deps.logger.info(
        {
          sha256: original.sha256,
          renditionSha256: rendition?.sha256,
          renditionSize: rendition?.size,
          originalKept: plan?.originalFits ?? false,
          durationMs: Math.round(performance.now() - started),
        },
        'image renditions made',
      );
      return {
        width: facts.width,
        height: facts.height,
        originalSha256: original.sha256,
        rendition,
        thumbnail: { sha256: thumbnailSha256, mime: thumbnail.mime, size: thumbnail.data.length, width: thumbnail.width, height: thumbnail.height },
      };
    } catch (error) {
      throw toUploadError(error, original.name);
    }
  }
}

function toUploadError(error: unknown, name: string): unknown {
  if (error instanceof ImagePixelLimitError) {
    return new VitrailError(
      'VITRAIL_IMAGE_TOO_MANY_PIXELS',
      {
        name,
        width: error.width,
        height: error.height,
        frames: error.frames > 1 ? ` in each of ${error.frames} frames` : '',
        limit: error.limit,
      },
      { cause: error },
    );
  }
  if (error instanceof ImageDecodeError) {
    return new VitrailError('VITRAIL_IMAGE_UNREADABLE', { name, reason: error.reason }, { cause: error });
  }
  return error;
}

type ImageColumns = Pick<
  MediaTable,
  'rendition_sha256' | 'rendition_mime' | 'rendition_size' | 'rendition_width' | 'rendition_height' | 'thumbnail_sha256' | 'thumbnail_mime'
>;

/** Maps an image record to the media columns of its rendition and thumbnail, all null for other files. */
export function imageColumns(image: ImageRecord | null): ImageColumns {
  return {
    rendition_sha256: image?.rendition?.sha256 ?? null,
    rendition_mime: image?.rendition?.mime ?? null,
    rendition_size: image?.rendition?.size ?? null,
    rendition_width: image?.rendition?.width ?? null,
    rendition_height: image?.rendition?.height ?? null,
    thumbnail_sha256: image?.thumbnail.sha256 ?? null,
    thumbnail_mime: image?.thumbnail.mime ?? null,
  };
}

/**
 * Lists the derived-blob rows of an image's rendition and thumbnail, so purges and content replacements
 * find their blobs. A rendition that is the original itself gets no row: the media row already holds it.
 */
export function derivedBlobRows(mediaId: string, image: ImageRecord | null, createdAt: string): MediaDerivedBlobRow[] {
  if (image === null) return [];
  const rows: MediaDerivedBlobRow[] = [];
  const rendition = image.rendition;
  if (rendition !== null && rendition.sha256 !== image.originalSha256) {
    rows.push({ media_id: mediaId, kind: 'rendition', key: '', ...rendition, created_at: createdAt });
  }
  rows.push({
    media_id: mediaId,
    kind: 'thumbnail',
    key: '',
    sha256: image.thumbnail.sha256,
    mime: image.thumbnail.mime,
    size: image.thumbnail.size,
    width: image.thumbnail.width,
    height: image.thumbnail.height,
    created_at: createdAt,
  });
  return rows;
}
