import { parentPort, workerData } from 'node:worker_threads';

import decode from 'heic-decode';

/** Input of one decode: the file's bytes and the pixel limit checked before decoding. */
export interface HeicWorkerInput {
  readonly bytes: Uint8Array;
  readonly maxPixels: number;
}

export type HeicWorkerOutput =
  | { readonly kind: 'decoded'; readonly width: number; readonly height: number; readonly rgba: Uint8Array }
  | { readonly kind: 'too-many-pixels'; readonly width: number; readonly height: number }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * Decodes the first image of a HEIF file in a worker thread: the WebAssembly decoder is synchronous and
 * would otherwise block the event loop for the whole decode.
 */
async function decodeFirstImage(input: HeicWorkerInput): Promise<HeicWorkerOutput> {
  let images: Awaited<ReturnType<typeof decode.all>> | undefined;
  try {
    images = await decode.all({ buffer: input.bytes });
    const first = images[0];
    if (first === undefined) return { kind: 'failed', reason: 'the file holds no image' };
    if (first.width * first.height > input.maxPixels) return { kind: 'too-many-pixels', width: first.width, height: first.height };
    const decoded = await first.decode();
    return { kind: 'decoded', width: decoded.width, height: decoded.height, rgba: new Uint8Array(decoded.data.buffer) };
  } catch (error) {
    return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    images?.dispose();
  }
}

const output = await decodeFirstImage(workerData as HeicWorkerInput);
parentPort?.postMessage(output, output.kind === 'decoded' ? [output.rgba.buffer as ArrayBuffer] : []);
