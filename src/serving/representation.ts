import contentDisposition from 'content-disposition';

import type { MediaRow } from '../db/schema.js';
import { extensionOfType, typeOfFileName } from './extension-types.js';

/** Description of the bytes to serve, before any request condition is applied. */
export interface Representation {
  readonly size: number;
  /** Strong entity tag, quotes included. */
  readonly etag: string;
  readonly lastModified: Date;
  /** Headers sent with every 200, 206 and HEAD response for these bytes. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Types that browsers show without running script: plain raster images, PDF, audio and video. */
const INLINE_SAFE_FAMILIES = ['audio/', 'video/'];
const INLINE_SAFE_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'image/tiff',
  'image/heic',
  'image/heif',
  'image/x-icon',
  'application/pdf',
]);

/**
 * Applied to anything that could run script if opened in a browser: no script, no plugin, no same-origin,
 * whatever the bytes claim to be. SVG keeps its inline styles and embedded raster images so it still shows.
 */
export const SANDBOX_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox";

/**
 * Public media URLs can get new content later (a replaced file), so caches keep a copy five minutes and
 * then revalidate with the ETag, which costs a 304 and no body.
 */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=300';
export const PRIVATE_CACHE_CONTROL = 'private, no-cache';

/**
 * Builds the plain ASCII `filename` that old clients read, accents dropped (« Fête » becomes « Fete »);
 * the exact name goes in the RFC 5987 `filename*` beside it.
 */
function asciiFallback(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/g, '_');
}

/**
 * Types a browser or a desktop opens as a document that may run script: text, HTML, XML and its dialects
 * (SVG, XHTML, XSLT), JavaScript, and saved web pages (.eml, .mht).
 */
const DOCUMENT_TYPE = /^text\/|[/+]xml$|html|javascript|ecmascript|^message\/rfc822$|^multipart\/related$/;

/**
 * Returns the name a browser saves served bytes under. When the name's extension stands for a type that
 * opens as a document (DOCUMENT_TYPE) and differs from the type served, the served type's extension is
 * added: a PDF named `bulletin.html` saves as `bulletin.html.pdf`, not as a page the desktop would open
 * in a browser. Extensions map to types through mime-db (the mime-types package).
 */
export function savedFileName(name: string, servedMime: string): string {
  const claimed = typeOfFileName(name);
  if (claimed === false || claimed === servedMime || !DOCUMENT_TYPE.test(claimed)) return name;
  return `${name}.${extensionOfType(servedMime) || 'bin'}`;
}

function isInlineSafe(mime: string): boolean {
  return INLINE_SAFE_TYPES.has(mime) || INLINE_SAFE_FAMILIES.some((family) => mime.startsWith(family));
}

/** Describes a stored media for the serving path. */
export function describeMedia(
  media: Pick<MediaRow, 'sha256' | 'size' | 'mime' | 'name' | 'visibility' | 'created_at'> & { readonly content_changed_at?: string | null },
): Representation {
  const inlineSafe = isInlineSafe(media.mime);
  const isSvg = media.mime === 'image/svg+xml';
  const fileName = savedFileName(media.name, media.mime);
  const headers: Record<string, string> = {
    'content-type': media.mime,
    'x-content-type-options': 'nosniff',
    'accept-ranges': 'bytes',
    'cache-control': media.visibility === 'public' ? PUBLIC_CACHE_CONTROL : PRIVATE_CACHE_CONTROL,
    'content-disposition': contentDisposition(fileName, {
      type: inlineSafe || isSvg ? 'inline' : 'attachment',
      fallback: asciiFallback(fileName),
    }),
  };
  if (!inlineSafe) headers['content-security-policy'] = SANDBOX_POLICY;

  return {
    size: Number(media.size),
    etag: `"${media.sha256}"`,
    // A replaced content is newer than the media: If-Modified-Since must not answer 304 for the old bytes.
    lastModified: new Date(media.content_changed_at ?? media.created_at),
    headers,
  };
}
