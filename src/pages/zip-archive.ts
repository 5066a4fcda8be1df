import path from 'node:path';
import type { Readable } from 'node:stream';

import type yauzl from 'yauzl';

import { describeBytes, VitrailError } from '../errors/catalogue.js';
import { decodeZipName, isArchiverClutter, unsafeNameReason } from './zip-names.js';

export interface ZipLimits {
  readonly maxEntries: number;
  /** Sum of the unpacked sizes of every entry, in bytes. */
  readonly maxUnpackedBytes: number;
  /** Largest unpacked size divided by packed size, for the archive and for each entry above RATIO_FLOOR_BYTES. */
  readonly maxCompressionRatio: number;
}

/** Entries smaller than this are not held to the ratio limit: a small blank image can shrink 300 times. */
const RATIO_FLOOR_BYTES = 64 * 1024;
/** S_IFMT and S_IFLNK from the Unix mode kept in the high 16 bits of the external attributes. */
const UNIX_FILE_TYPE_MASK = 0o170000;
const UNIX_SYMLINK = 0o120000;
const UNIX_HOST = 3;

export interface ZipFileEntry {
  /** Decoded path inside the archive, with forward slashes. */
  readonly name: string;
  readonly size: number;
  readonly raw: yauzl.Entry;
}

/**
 * A zip archive whose central directory passed every check, so reading an entry cannot write outside the
 * staging area nor unpack more than the limits allow. Entries keep the declared sizes, which yauzl
 * enforces while reading.
 */
export class CheckedZip {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    readonly files: readonly ZipFileEntry[],
  ) {}

  /** Opens the archive at `filePath` and checks every entry before anything is unpacked. */
  static async open(filePath: string, limits: ZipLimits): Promise<CheckedZip> {
    const zip = await openZip(filePath);
    try {
      if (zip.entryCount > limits.maxEntries) {
        throw new VitrailError('VITRAIL_ZIP_TOO_MANY_ENTRIES', { count: zip.entryCount, limit: limits.maxEntries });
      }
      const entries = await readCentralDirectory(zip);
      return new CheckedZip(zip, checkEntries(entries, limits));
    } catch (error) {
      zip.close();
      throw error;
    }
  }

  openEntry(entry: ZipFileEntry): Promise<Readable> {
    return new Promise((resolve, reject) => {
      this.zip.openReadStream(entry.raw, (error, stream) => {
        if (error !== null) reject(invalidZip(error));
        else resolve(stream);
      });
    });
  }

  async readEntry(entry: ZipFileEntry): Promise<Buffer> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of await this.openEntry(entry)) chunks.push(chunk as Buffer);
    } catch (error) {
      throw invalidZip(error);
    }
    return Buffer.concat(chunks);
  }

  close(): void {
    this.zip.close();
  }
}

async function openZip(filePath: string): Promise<yauzl.ZipFile> {
  // Loaded on first use: an idle server does without it.
  const { default: yauzlLibrary } = await import('yauzl');
  return new Promise((resolve, reject) => {
    yauzlLibrary.open(filePath, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (error, zip) => {
      if (error !== null) reject(invalidZip(error));
      else resolve(zip);
    });
  });
}

function readCentralDirectory(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (error: unknown) => reject(invalidZip(error)));
    zip.readEntry();
  });
}

function checkEntries(entries: readonly yauzl.Entry[], limits: ZipLimits): ZipFileEntry[] {
  const files: ZipFileEntry[] = [];
  let unpacked = 0;
  let packed = 0;
  for (const entry of entries) {
    const name = decodeZipName({
      fileName: entry.fileName as unknown as Buffer,
      generalPurposeBitFlag: entry.generalPurposeBitFlag,
      extraFields: entry.extraFields,
    });
    if (isArchiverClutter(name)) continue;
    const unsafe = unsafeNameReason(name);
    if (unsafe !== null) throw new VitrailError('VITRAIL_ZIP_UNSAFE_ENTRY', { name, reason: unsafe });
    const isUnix = entry.versionMadeBy >>> 8 === UNIX_HOST;
    if (isUnix && ((entry.externalFileAttributes >>> 16) & UNIX_FILE_TYPE_MASK) === UNIX_SYMLINK) {
      throw new VitrailError('VITRAIL_ZIP_UNSAFE_ENTRY', { name, reason: 'is a symbolic link' });
    }
    if (entry.isEncrypted()) throw new VitrailError('VITRAIL_ZIP_UNSAFE_ENTRY', { name, reason: 'is encrypted' });

    unpacked += entry.uncompressedSize;
    packed += entry.compressedSize;
    if (unpacked > limits.maxUnpackedBytes) {
      throw new VitrailError('VITRAIL_ZIP_TOO_LARGE_UNPACKED', { limit: describeBytes(limits.maxUnpackedBytes) });
    }
    if (entry.uncompressedSize > RATIO_FLOOR_BYTES && entry.uncompressedSize / Math.max(entry.compressedSize, 1) > limits.maxCompressionRatio) {
      throw compressionRatioError(name, entry.uncompressedSize / Math.max(entry.compressedSize, 1), limits);
    }
    if (name.endsWith('/')) continue;
    files.push({ name: path.posix.normalize(name.replace(/\\/g, '/')), size: entry.uncompressedSize, raw: entry });
  }
  if (unpacked > RATIO_FLOOR_BYTES && unpacked / Math.max(packed, 1) > limits.maxCompressionRatio) {
    throw compressionRatioError('(whole archive)', unpacked / Math.max(packed, 1), limits);
  }
  return files;
}

function compressionRatioError(name: string, ratio: number, limits: ZipLimits): VitrailError {
  return new VitrailError('VITRAIL_ZIP_COMPRESSION_RATIO', { name, ratio: Math.round(ratio), limit: limits.maxCompressionRatio });
}

function invalidZip(error: unknown): unknown {
  if (error instanceof VitrailError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new VitrailError('VITRAIL_ZIP_INVALID', { reason: reason.replace(/\.$/, '') }, { cause: error });
}
