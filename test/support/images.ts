import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';

import sharp from 'sharp';

import type { TestServer } from './test-server.js';
import { upload } from './uploads.js';

/** A media as the API returns it, with the fields image tests read. */
export interface MediaJson {
  id: string;
  name: string;
  mime: string;
  size: number;
  sha256: string;
  width: number | null;
  height: number | null;
  url: string;
  publishOriginal: boolean;
  thumbnailPath: string | null;
  rendition: { mime: string; size: number; width: number; height: number } | null;
}

/** Makes a JPEG photo of one colour, for tests that upload images. */
export async function photo(colour: string, width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).jpeg().toBuffer();
}

/** Uploads a file and returns the created media; throws unless the server returns 201. */
export async function uploadMedia(server: TestServer, name: string, content: Buffer | string): Promise<MediaJson> {
  const response = await upload(server, { name, content });
  if (response.status !== 201) throw new Error(`upload of ${name} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as MediaJson;
}

/** Makes a JPEG stored 200×100, left half red and right half blue, tagged with EXIF orientation 6 (turn 90° clockwise). */
export async function sidewaysJpeg(): Promise<Buffer> {
  const red = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#ff0000' } }).png().toBuffer();
  const blue = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#0000ff' } }).png().toBuffer();
  return sharp({ create: { width: 200, height: 100, channels: 3, background: '#000000' } })
    .composite([
      { input: red, left: 0, top: 0 },
      { input: blue, left: 100, top: 0 },
    ])
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** Makes a 100×100 PNG, transparent but for a 40×40 blue square in the middle. */
export async function transparentPngWithBlueSquare(): Promise<Buffer> {
  const square = await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 1 } } }).png().toBuffer();
  return sharp({ create: { width: 100, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: square, left: 30, top: 30 }])
    .png()
    .toBuffer();
}

/** Makes an 800×600 GIF of three frames (red, green, blue) shown 100, 200 and 300 ms, looping forever. */
export async function threeFrameGif(): Promise<Buffer> {
  const frames = await Promise.all(
    ['#ff0000', '#00ff00', '#0000ff'].map((colour) =>
      sharp({ create: { width: 800, height: 600, channels: 4, background: colour } }).png().toBuffer(),
    ),
  );
  return sharp(frames, { join: { animated: true } }).gif({ delay: [100, 200, 300], loop: 0 }).toBuffer();
}

/**
 * Makes a 12-megapixel (4000×3000) photo-like JPEG with EXIF (camera make and GPS position): smooth colour
 * noise scaled up, which compresses like a photo rather than like flat colour or pure noise.
 */
export async function twelveMegapixelPhoto(): Promise<Buffer> {
  const small = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .png()
    .toBuffer();
  return sharp(small)
    .resize(4000, 3000, { kernel: 'cubic' })
    .jpeg({ quality: 92 })
    .withExif({ IFD0: { Make: 'VitrailCam', Model: 'Test 12' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' } })
    .toBuffer();
}

/** Makes a JPEG of 800×600 noise cut after half of its bytes. */
export async function truncatedJpeg(): Promise<Buffer> {
  const whole = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg()
    .toBuffer();
  return whole.subarray(0, Math.floor(whole.length / 2));
}

/**
 * Builds a PNG whose header declares `width`×`height` 8-bit grey pixels, with `rows` rows of real zeros: a
 * decompression bomb when the declared size is huge, made in a fraction of a second.
 */
export function declaredSizePng(width: number, height: number, rows: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  const pixels = deflateSync(Buffer.alloc(rows * (width + 1)), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** An SVG that tries to run script three ways: onload, a script element and a javascript: iframe. */
export const HOSTILE_SVG = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80" onload="window.__pwned = 'onload'">
  <script>window.__pwned = 'script'; document.title = 'pwned';</script>
  <rect width="120" height="80" fill="#2a7"/>
  <foreignObject width="120" height="80">
    <iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:parent.__pwned='iframe'"></iframe>
  </foreignObject>
</svg>
`;

const run = promisify(execFile);

/**
 * Makes a HEIC photo with Debian's heif-enc (package libheif-examples) from a generated PNG: 640×480, left
 * half orange and right half teal.
 */
export async function heicPhoto(): Promise<Buffer> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'vitrail-heic-'));
  try {
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#e07020' } })
      .composite([{ input: { create: { width: 320, height: 480, channels: 3, background: '#20a0a0' } }, left: 320, top: 0 }])
      .removeAlpha()
      .png()
      .toBuffer();
    await writeFile(path.join(directory, 'in.png'), png);
    await run('heif-enc', ['-q', '80', '-o', path.join(directory, 'out.heic'), path.join(directory, 'in.png')]);
    return await readFile(path.join(directory, 'out.heic'));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Reads one pixel as [r, g, b]. */
export async function pixelAt(image: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [data[offset] ?? -1, data[offset + 1] ?? -1, data[offset + 2] ?? -1];
}
