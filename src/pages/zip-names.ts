import path from 'node:path';
import { crc32 } from 'node:zlib';

import iconv from 'iconv-lite';

/** General purpose flag bit 11: the name and comment are UTF-8 (APPNOTE 6.3.x, section 4.4.4). */
const UTF8_FLAG = 0x800;
/** Info-ZIP Unicode Path extra field: version, CRC-32 of the raw name, then the name in UTF-8. */
const UNICODE_PATH_FIELD = 0x7075;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface RawZipName {
  readonly fileName: Buffer;
  readonly generalPurposeBitFlag: number;
  readonly extraFields: readonly { readonly id: number; readonly data: Buffer }[];
}

/**
 * Decodes an entry name. Without the UTF-8 flag, the name is read from an Info-ZIP Unicode Path field when
 * one matches, then as UTF-8 if the bytes are valid UTF-8 (macOS writes UTF-8 without the flag), and
 * otherwise as CP850, the DOS code page of Windows in French: é, è, à, ç have the same codes as in CP437,
 * and À, Â, Ê, Î, Ô only exist in CP850.
 */
export function decodeZipName(entry: RawZipName): string {
  const raw = entry.fileName;
  if ((entry.generalPurposeBitFlag & UTF8_FLAG) !== 0) return raw.toString('utf8').normalize('NFC');
  for (const field of entry.extraFields) {
    if (field.id !== UNICODE_PATH_FIELD || field.data.length < 5 || field.data[0] !== 1) continue;
    if (field.data.readUInt32LE(1) === crc32(raw)) return field.data.subarray(5).toString('utf8').normalize('NFC');
  }
  try {
    return strictUtf8.decode(raw).normalize('NFC');
  } catch {
    return iconv.decode(raw, 'cp850').normalize('NFC');
  }
}

/** Why a name is unsafe to extract, or null when it is a plain relative path. */
export function unsafeNameReason(name: string): string | null {
  if (name.includes('\u0000')) return 'contains a NUL character';
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return 'is an absolute path';
  if (slashed.split('/').includes('..')) return 'goes up out of the archive with ".."';
  return null;
}

/** Files that archivers add beside the content: macOS resource forks and Finder settings, Windows thumbnails. */
export function isArchiverClutter(name: string): boolean {
  const slashed = name.replace(/\\/g, '/');
  const base = path.posix.basename(slashed);
  return slashed.startsWith('__MACOSX/') || base === '.DS_Store' || base === 'Thumbs.db' || base === 'desktop.ini';
}
