/** Longest stored name, in UTF-8 bytes: the limit of common file systems, so a downloaded file keeps it. */
export const MAX_NAME_BYTES = 255;

/**
 * Cleans a client-supplied file name into a display name: NFC, no path parts, no control characters,
 * not hidden (no leading dot), at most MAX_NAME_BYTES with its extension kept.
 * The name is only metadata: blobs are stored under their hash, so no name ever reaches the file system.
 */
export function cleanFileName(raw: string, fallbackExtension: string): string {
  const name = stripFileName(raw);
  return truncateKeepingExtension(name === '' ? `file.${fallbackExtension}` : name, MAX_NAME_BYTES);
}

/** Tells whether anything of a name is left once cleaned: "../", "." or spaces leave nothing. */
export function hasUsableName(raw: string): boolean {
  return stripFileName(raw) !== '';
}

function stripFileName(raw: string): string {
  let name = raw.normalize('NFC');
  name = name.split(/[/\\]/).pop() ?? '';
  name = name.replace(/[\p{Cc}\u2028\u2029]/gu, '');
  return name.trim().replace(/^\.+/, '').trim();
}

function truncateKeepingExtension(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const base = name.slice(0, name.length - extension.length);
  let kept = '';
  const budget = maxBytes - Buffer.byteLength(extension);
  for (const character of base) {
    if (Buffer.byteLength(kept + character) > budget) break;
    kept += character;
  }
  return kept + extension;
}

/** Folds a name for search: lower case, accents removed, so « eglise » finds « Église ». */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
