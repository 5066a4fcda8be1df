import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

import { ImageDecodeError, ImagePixelLimitError } from './image-processor.js';
import type { HeicWorkerInput, HeicWorkerOutput } from './heic-worker.js';

export interface DecodedRaster {
  readonly width: number;
  readonly height: number;
  /** RGBA, 8 bits per channel, already turned upright by the HEIF transforms. */
  readonly rgba: Uint8Array;
}

/** HEIF brands whose pixels sharp's prebuilt libvips cannot decode (HEVC), so libheif in WebAssembly does. */
export const HEIC_TYPES: ReadonlySet<string> = new Set(['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence']);

const WORKER_URL = new URL('./heic-worker.js', import.meta.url);

/**
 * Decodes a HEIC or HEIF file in a fresh worker thread. A worker per decode costs a few tens of
 * milliseconds, little beside an HEVC decode, and returns all of the decoder's memory when it ends.
 */
export async function decodeHeic(filePath: string, maxPixels: number): Promise<DecodedRaster> {
  const bytes = await readFile(filePath);
  const input: HeicWorkerInput = { bytes, maxPixels };
  const output = await new Promise<HeicWorkerOutput>((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: input });
    worker.once('message', (message: HeicWorkerOutput) => resolve(message));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the HEIC decoder worker exited with code ${code} before sending a result`)));
  });
  switch (output.kind) {
    case 'decoded':
      return output;
    case 'too-many-pixels':
      throw new ImagePixelLimitError(output.width, output.height, 1, maxPixels);
    case 'failed':
      throw new ImageDecodeError(output.reason);
  }
}
