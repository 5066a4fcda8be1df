import { loadSharp } from './sharp-module.js';

export interface ImageDimensions {
  /** Width as displayed, after the EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
}

/** Reads an image's dimensions from its header, without decoding pixels. */
export interface ImageProbe {
  readDimensions(filePath: string): Promise<ImageDimensions | null>;
}

/** EXIF orientations 5 to 8 turn the image a quarter, so its displayed width is its stored height. */
const QUARTER_TURN_ORIENTATIONS = new Set([5, 6, 7, 8]);

export const sharpImageProbe: ImageProbe = {
  async readDimensions(filePath) {
    try {
      const sharp = await loadSharp();
      const metadata = await sharp(filePath).metadata();
      if (metadata.width === undefined || metadata.height === undefined) return null;
      const turned = QUARTER_TURN_ORIENTATIONS.has(metadata.orientation ?? 1);
      return turned
        ? { width: metadata.height, height: metadata.width }
        : { width: metadata.width, height: metadata.height };
    } catch {
      // A header sharp cannot read leaves the dimensions unknown; decoding checks belong to the renditions.
      return null;
    }
  },
};
