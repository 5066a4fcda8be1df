/**
 * The image processing seam: everything that decodes or encodes pixels goes through this interface, so the
 * rules of renditions and variants (image-renditions.ts, variant-request.ts) are written once and tested
 * against the real implementation (sharp-image-processor.ts).
 */

/** Formats a rendition or a variant can be encoded to. */
export type OutputFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['jpeg', 'png', 'gif', 'webp', 'avif'];

/**
 * Fit of an image in a box: `cover` fills it and crops, `contain` fits inside and pads to the exact box,
 * `inside` fits inside without padding.
 */
export type FitMode = 'cover' | 'contain' | 'inside';
export const FIT_MODES: readonly FitMode[] = ['cover', 'contain', 'inside'];

export const MIME_OF_FORMAT: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
};

export const EXTENSION_OF_FORMAT: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'jpg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  avif: 'avif',
};

export interface ImageSource {
  readonly path: string;
  /** Type detected from the content at upload. */
  readonly mime: string;
}

/** Facts read from an image's header, without decoding pixels. */
export interface ImageFacts {
  /** Width as displayed, after the EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
  /** Frames of an animation; 1 for a still image. */
  readonly frames: number;
  readonly hasAlpha: boolean;
  /** EXIF orientation, 1 (upright) when absent. */
  readonly orientation: number;
  /** true when the file carries EXIF, XMP, IPTC or an ICC profile. */
  readonly hasMetadata: boolean;
  /** true when the pixels are 8-bit sRGB (or grey), which every mail client shows as meant. */
  readonly isPlainSrgb: boolean;
}

/** One decode-resize-encode step. Orientation is always applied and metadata always stripped. */
export interface ImageOperation {
  readonly width?: number;
  readonly height?: number;
  readonly fit: FitMode;
  /** false keeps the image at most its own size, whatever the box asked. */
  readonly enlarge: boolean;
  readonly format: OutputFormat;
  /** Encoder quality, 1 to 100, for JPEG, WebP and AVIF. */
  readonly quality: number;
  /** Keeps every frame of an animation, when the output format can animate. */
  readonly animated: boolean;
}

export interface EncodedImage {
  readonly data: Buffer;
  readonly mime: string;
  readonly width: number;
  readonly height: number;
}

export interface ImageProcessor {
  /** Types this processor decodes; other image types are stored and served as uploaded. */
  canDecode(mime: string): boolean;
  /**
   * Reads an image's header. Fails with ImagePixelLimitError for a decompression bomb, before any pixel is
   * decoded, and with ImageDecodeError when the header cannot be read.
   */
  inspect(source: ImageSource): Promise<ImageFacts>;
  /** Decodes, transforms and encodes. Fails with ImageDecodeError on truncated or damaged pixel data. */
  render(source: ImageSource, operation: ImageOperation): Promise<EncodedImage>;
}

/** The image cannot be decoded: damaged, truncated or not what its signature claims. */
export class ImageDecodeError extends Error {
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`The image cannot be decoded: ${reason}`, options);
    this.name = 'ImageDecodeError';
  }
}

/** The image declares more pixels than allowed. */
export class ImagePixelLimitError extends Error {
  constructor(
    readonly width: number,
    readonly height: number,
    readonly frames: number,
    readonly limit: number,
  ) {
    super(`The image declares ${width}x${height} pixels in ${frames} frame(s), above the limit of ${limit}`);
    this.name = 'ImagePixelLimitError';
  }
}
