import { Readable } from 'node:stream';

import type { MediaRow } from '../db/schema.js';
import { VitrailError } from '../errors/catalogue.js';
import { HEIC_TYPES } from '../images/heic-decoder.js';
import type { ImageVariants } from '../images/image-variants.js';
import { parseVariantQuery, toVariantOperation } from '../images/variant-request.js';
import type { BlobStore, ByteRange } from '../storage/blob-store.js';
import { describeMedia, type Representation } from './representation.js';

/** Extensions of the types a public URL can serve once an image is processed. */
const EXTENSION_OF_MIME: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

/** The bytes a public URL serves without parameters: the rendition, or the original when asked or unprocessed. */
export interface PublicContent {
  readonly sha256: string;
  readonly size: number;
  readonly mime: string;
  readonly name: string;
}

/** A response's representation, and a way to read the bytes the response plan chose. */
export interface ServedContent {
  readonly representation: Representation;
  /** Name of the bytes in the blob store; absent for a variant made for this response and not stored. */
  readonly blobKey?: string;
  open(range: ByteRange): Promise<Readable>;
}

export interface ServingDependencies {
  readonly blobs: BlobStore;
  readonly variants: ImageVariants;
}

type MediaForServing = Pick<
  MediaRow,
  | 'id'
  | 'sha256'
  | 'size'
  | 'mime'
  | 'name'
  | 'visibility'
  | 'created_at'
  | 'updated_at'
  | 'content_changed_at'
  | 'width'
  | 'height'
  | 'rendition_sha256'
  | 'rendition_mime'
  | 'rendition_size'
  | 'thumbnail_sha256'
  | 'publish_original'
>;

/**
 * Returns what `/m/<id>/<name>` serves for a media. Images serve their mail-ready rendition, unless the editor chose
 * to publish the original; other files, and images the processor does not decode, serve their original.
 */
export function publicContentOf(media: MediaForServing): PublicContent {
  if (media.rendition_sha256 === null || media.rendition_mime === null || media.rendition_size === null || media.publish_original === 1) {
    return { sha256: media.sha256, size: Number(media.size), mime: media.mime, name: media.name };
  }
  return {
    sha256: media.rendition_sha256,
    size: Number(media.rendition_size),
    mime: media.rendition_mime,
    name: withExtensionOf(media.name, media.rendition_mime),
  };
}

/** Returns the name segment of the public URL handed out: the media's name, with the extension of the type served. */
export function publicFileName(media: MediaForServing): string {
  return publicContentOf(media).name;
}

/**
 * Resolves a public request to the content to serve: the public content, or a variant when the query
 * requests one. The name segment of the URL and the Accept header never take part.
 */
export async function resolveServedContent(
  media: MediaForServing,
  query: Readonly<Record<string, unknown>>,
  deps: ServingDependencies,
): Promise<ServedContent> {
  const request = parseVariantQuery(query);
  const content = publicContentOf(media);
  if (request === null) return blobContent(media, content, deps.blobs);

  // Every image the processor decoded at upload has a thumbnail; that marks the media that can have variants.
  if (media.thumbnail_sha256 === null) {
    throw new VitrailError('VITRAIL_VARIANT_INVALID', {
      reason: `variants exist only for images the server can decode, and this media is ${media.mime}`,
    });
  }
  // HEIC decodes slowly, in WebAssembly: its variants start from the JPEG rendition instead.
  const fromRendition = HEIC_TYPES.has(media.mime) && media.rendition_sha256 !== null;
  const source = fromRendition
    ? { mediaId: media.id, sha256: media.rendition_sha256 ?? media.sha256, mime: media.rendition_mime ?? media.mime }
    : { mediaId: media.id, sha256: media.sha256, mime: media.mime };
  const operation = toVariantOperation(request, {
    width: media.width ?? 1,
    height: media.height ?? 1,
    servedMime: content.mime,
  });
  const variant = await deps.variants.getVariant(source, operation);
  const served = { sha256: variant.sha256, size: variant.size, mime: variant.mime, name: withExtensionOf(media.name, variant.mime) };
  if (variant.kind === 'stored') return blobContent(media, served, deps.blobs);
  const data = variant.data;
  return {
    representation: describeContent(media, served),
    open: async (range) => Readable.from([data.subarray(range.start, range.end + 1)]),
  };
}

function blobContent(media: MediaForServing, content: PublicContent, blobs: BlobStore): ServedContent {
  return {
    representation: describeContent(media, content),
    blobKey: content.sha256,
    open: (range) => blobs.openRead(content.sha256, range),
  };
}

/**
 * Describes served bytes. The bytes an image's URL serves change when the editor switches between rendition
 * and original, so its Last-Modified is the media's last change. Other files keep the date their content
 * was stored.
 */
export function describeContent(media: MediaForServing, content: PublicContent): Representation {
  const changedAt = media.thumbnail_sha256 === null ? (media.content_changed_at ?? media.created_at) : media.updated_at;
  return describeMedia({ ...media, ...content, created_at: changedAt, content_changed_at: null });
}

/** Replaces or adds the extension of a file name to match a type; names of other types stay as they are. */
function withExtensionOf(name: string, mime: string): string {
  const extension = EXTENSION_OF_MIME[mime];
  if (extension === undefined) return name;
  const dot = name.lastIndexOf('.');
  const base = dot > 0 ? name.slice(0, dot) : name;
  const current = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (current === extension || (extension === 'jpg' && current === 'jpeg')) return name;
  return `${base}.${extension}`;
}
