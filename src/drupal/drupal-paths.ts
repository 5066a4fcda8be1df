import { stat } from 'node:fs/promises';
import path from 'node:path';

export type DrupalScheme = 'public' | 'private';

export interface DrupalUri {
  /** The scheme before `://`, lower case: `public`, `private`, `temporary`, `s3`… */
  readonly scheme: string;
  /** The path after `://`, as stored. */
  readonly path: string;
}

/** The public path prefix of a default Drupal site. */
export const DEFAULT_PUBLIC_PREFIX = '/sites/default/files';
/** Drupal serves private files through PHP at this prefix, after its own access checks. */
export const DRUPAL_PRIVATE_PREFIX = '/system/files';

export function parseDrupalUri(uri: string): DrupalUri | null {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(uri);
  if (match === null) return null;
  return { scheme: (match[1] ?? '').toLowerCase(), path: match[2] ?? '' };
}

/**
 * Files that hold a Drupal site's secrets or server rules: the SQLite database with its journal and WAL
 * (`.ht.sqlite`, `.ht.sqlite-wal`…) and `.htaccess`. They are never imported and never served.
 */
export function isForbiddenFileName(relativePath: string): boolean {
  const name = relativePath.split('/').pop() ?? '';
  const folded = name.normalize('NFC').toLowerCase();
  return folded === '.htaccess' || folded.startsWith('.ht.sqlite');
}

/**
 * Checks a path relative to a files directory: plain segments only, so a row cannot name a file outside
 * that directory. Returns the segments, or null when the path is empty or has `.`, `..` or empty segments.
 */
export function splitRelativePath(relativePath: string): string[] | null {
  const segments = relativePath.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.includes('\\') || segment.includes('\0'))) {
    return null;
  }
  return segments;
}

/**
 * Finds a file under `root` by its relative path as Drupal stored it, then in NFC and NFD: files copied
 * from a Mac often have decomposed names while the database has composed ones, or the reverse.
 */
export async function locateFile(root: string, segments: readonly string[]): Promise<string | null> {
  const joined = segments.join('/');
  const candidates = new Set([joined, joined.normalize('NFC'), joined.normalize('NFD')]);
  for (const candidate of candidates) {
    const filePath = path.join(root, ...candidate.split('/'));
    try {
      if ((await stat(filePath)).isFile()) return filePath;
    } catch {
      // Not found under this form; the next form may match.
    }
  }
  return null;
}

/**
 * Decodes the path of a legacy URL into the form legacy paths are stored in: percent-decoded as UTF-8
 * (upper- or lower-case hex), then NFC. Returns null for an invalid percent-encoding.
 */
export function decodeLegacyPath(rawPath: string): string | null {
  try {
    return rawPath
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/')
      .normalize('NFC');
  } catch {
    return null;
  }
}

/** Normalises a Drupal path to the stored form (NFC), which decodeLegacyPath also returns. */
export function storedLegacyPath(drupalPath: string): string {
  return drupalPath.normalize('NFC');
}
