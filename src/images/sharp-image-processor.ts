import type { Metadata, Sharp } from 'sharp';

import { decodeHeic, HEIC_TYPES } from './heic-decoder.js';
import { loadSharp } from './sharp-module.js';
import {
  ImageDecodeError,
  ImagePixelLimitError,
  MIME_OF_FORMAT,
  type EncodedImage,
  type ImageFacts,
  type ImageOperation,
  type ImageProcessor,
  type ImageSource,
  type OutputFormat,
} from './image-processor.js';
import type { WorkPool } from './work-pool.js';

/** Types libvips decodes itself, as bundled with sharp; HEIC goes through the WebAssembly decoder. */
const SHARP_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/tiff', 'image/svg+xml']);

/**
 * Maximum side of an image, in pixels: the 16-bit limit of JPEG and GIF headers. A longer side is rejected
 * like a bomb, whatever the pixel count, which stops 1×N strips.
 */
export const MAX_IMAGE_SIDE = 65_535;

/** EXIF orientations 5 to 8 turn the image a quarter, so its displayed width is its stored height. */
const QUARTER_TURN_ORIENTATIONS = new Set([5, 6, 7, 8]);

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };
const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };

export interface SharpImageProcessorOptions {
  /** Largest width × height × frames accepted, checked from the header before decoding. */
  readonly maxPixels: number;
  /** Bounds how many images are decoded at once. */
  readonly pool: WorkPool;
}

/** The image processor on sharp (libvips), with libheif in WebAssembly for HEIC. */
export class SharpImageProcessor implements ImageProcessor {
  constructor(private readonly options: SharpImageProcessorOptions) {}

  canDecode(mime: string): boolean {
    return SHARP_TYPES.has(mime) || HEIC_TYPES.has(mime);
  }

  async inspect(source: ImageSource): Promise<ImageFacts> {
    let metadata: Metadata;
    try {
      // Reading metadata parses the header only; no pixel is decoded, so the limit is off here.
      const sharp = await loadSharp();
      metadata = await sharp(source.path, { limitInputPixels: false }).metadata();
    } catch (error) {
      throw new ImageDecodeError(firstLine(error), { cause: error });
    }
    const width = metadata.width;
    const frameHeight = metadata.pageHeight ?? metadata.height;
    if (width === undefined || frameHeight === undefined || width < 1 || frameHeight < 1) {
      throw new ImageDecodeError('the header gives no dimensions');
    }
    const frames = Math.max(1, metadata.pages ?? 1);
    if (width * frameHeight * frames > this.options.maxPixels || Math.max(width, frameHeight) > MAX_IMAGE_SIDE) {
      throw new ImagePixelLimitError(width, frameHeight, frames, this.options.maxPixels);
    }
    const orientation = metadata.orientation ?? 1;
    const turned = QUARTER_TURN_ORIENTATIONS.has(orientation);
    return {
      width: turned ? frameHeight : width,
      height: turned ? width : frameHeight,
      frames,
      hasAlpha: metadata.hasAlpha,
      orientation,
      hasMetadata: Boolean(metadata.exif ?? metadata.xmp ?? metadata.iptc ?? metadata.icc),
      isPlainSrgb: (metadata.space === 'srgb' || metadata.space === 'b-w') && metadata.depth === 'uchar',
    };
  }

  render(source: ImageSource, operation: ImageOperation): Promise<EncodedImage> {
    return this.options.pool.run(async () => {
      const animated = operation.animated && (operation.format === 'gif' || operation.format === 'webp');
      const input = await this.open(source, animated);
      try {
        const { data, info } = await encode(transform(input, operation), operation).toBuffer({ resolveWithObject: true });
        return { data, mime: MIME_OF_FORMAT[operation.format], width: info.width, height: info.pageHeight ?? info.height };
      } catch (error) {
        throw new ImageDecodeError(firstLine(error), { cause: error });
      }
    });
  }

  /**
   * Opens an image for decoding: orientation applied, the pixel limit enforced again by libvips, and
   * truncated data refused rather than padded with grey.
   */
  private async open(source: ImageSource, animated: boolean): Promise<Sharp> {
    const sharp = await loadSharp();
    if (HEIC_TYPES.has(source.mime)) {
      const raster = await decodeHeic(source.path, this.options.maxPixels);
      return sharp(raster.rgba, { raw: { width: raster.width, height: raster.height, channels: 4 } });
    }
    return sharp(source.path, {
      failOn: 'truncated',
      limitInputPixels: this.options.maxPixels,
      animated,
      autoOrient: true,
    });
  }
}

function transform(image: Sharp, operation: ImageOperation): Sharp {
  let pipeline = image;
  if (operation.width !== undefined || operation.height !== undefined) {
    pipeline = pipeline.resize({
      width: operation.width,
      height: operation.height,
      fit: operation.fit,
      withoutEnlargement: !operation.enlarge,
      background: operation.format === 'jpeg' ? WHITE : TRANSPARENT,
    });
  }
  // JPEG has no alpha channel: transparent pixels become white, as a mail's white background shows them.
  if (operation.format === 'jpeg') pipeline = pipeline.flatten({ background: WHITE });
  return pipeline;
}

/**
 * Encodes with sharp's defaults for colour: output in sRGB, every metadata block (EXIF with GPS and camera
 * serial, XMP, IPTC, ICC) left out.
 */
function encode(pipeline: Sharp, operation: ImageOperation): Sharp {
  const format: OutputFormat = operation.format;
  switch (format) {
    case 'jpeg':
      // Baseline, not progressive: progressive encoding took about 40% longer on a 12-megapixel photo
      // (bench/images.mjs), for no gain a mail reader sees at 1200 px.
      return pipeline.jpeg({ quality: operation.quality });
    case 'png':
      return pipeline.png({ compressionLevel: 6 });
    case 'gif':
      return pipeline.gif();
    case 'webp':
      return pipeline.webp({ quality: operation.quality, effort: 4 });
    case 'avif':
      // Effort 2 of 9: AVIF encoding is the slowest step by far, and a variant is made while a reader waits.
      return pipeline.avif({ quality: operation.quality, effort: 2 });
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).trim();
}
