import { open } from 'node:fs/promises';


/**
 * Types accepted by default: images, PDF, common office documents, audio and video.
 * Old binary Office files (.doc, .xls, .ppt) are detected as `application/x-cfb`, the container they share.
 */
export const DEFAULT_ALLOWED_TYPES: readonly string[] = [
  'image/*',
  'audio/*',
  'video/*',
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/x-cfb',
  'application/rtf',
];

export interface DetectedType {
  readonly mime: string;
  /** Usual file extension, without the dot. */
  readonly extension: string;
}

/** How much of a file the SVG sniff reads: enough for an XML declaration, comments and a doctype. */
const SVG_SNIFF_BYTES = 64 * 1024;

/**
 * Detects a file's type from its content alone; the name and the client's Content-Type are never trusted.
 * Returns null when the content matches no known binary signature and is not an SVG document.
 */
export async function detectFileType(filePath: string): Promise<DetectedType | null> {
  // Loaded on first use, with its tokenizers: a server that has received no upload yet does without them.
  const { fileTypeFromFile } = await import('file-type');
  const detected = await fileTypeFromFile(filePath);
  // file-type reports any document starting with an XML declaration as XML; SVG is one of those.
  if (detected !== undefined && detected.mime !== 'application/xml') return { mime: detected.mime, extension: detected.ext };
  if (await looksLikeSvg(filePath)) return { mime: 'image/svg+xml', extension: 'svg' };
  return detected === undefined ? null : { mime: detected.mime, extension: detected.ext };
}

export function isTypeAllowed(mime: string, allowedTypes: readonly string[]): boolean {
  const family = `${mime.split('/')[0]}/*`;
  return allowedTypes.includes(mime) || allowedTypes.includes(family);
}

async function looksLikeSvg(filePath: string): Promise<boolean> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(SVG_SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SVG_SNIFF_BYTES, 0);
    return startsWithSvgRoot(buffer.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}

/** Skips what may precede the root element of an XML document, then checks that the root is `<svg`. */
export function startsWithSvgRoot(text: string): boolean {
  let rest = text.replace(/^\uFEFF/, '');
  const prolog = /^(\s+|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE\s+svg[^>[]*(\[[\s\S]*?\])?\s*>)/i;
  for (let match = prolog.exec(rest); match !== null; match = prolog.exec(rest)) {
    rest = rest.slice(match[0].length);
  }
  return /^<svg[\s>]/.test(rest);
}
