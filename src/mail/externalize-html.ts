import type { Principal } from '../auth/principal.js';
import { VitrailError } from '../errors/catalogue.js';
import { decodeDataUrl, isDataUrl } from '../html/data-urls.js';
import { parseHtmlDocument } from '../html/html-tree.js';
import { listImageUrls, visitImageReferences } from '../html/image-references.js';
import { applyChangesToSource, snapshotDocument } from '../html/source-edits.js';
import type { PublicImageImporter, StagedImage } from '../media/public-image-import.js';
import type { PublicLinks } from '../media/public-links.js';
import { addDimensionAttributes } from './image-dimensions.js';

/** Bytes of an image that lives outside the HTML: a cid: part of the message, or a local file. */
export interface ImageBytes {
  readonly bytes: Buffer;
  readonly fileName: string;
}

/** Finds the bytes behind a `cid:` URL or a relative reference; null leaves the reference as it is. */
export interface ImageSourceResolver {
  resolveContentId(contentId: string): ImageBytes | null;
  resolveLocal(url: string): Promise<ImageBytes | null>;
}

/** One image moved out of the mail into a public media. */
export interface MovedImage {
  /** The reference as it was: a truncated data: URL, a cid: URL or a file path. */
  readonly reference: string;
  readonly url: string;
  readonly mediaId: string;
  readonly bytes: number;
  /** true when identical bytes were already a public media, which is linked again. */
  readonly reused: boolean;
}

export interface ExternalizedHtml {
  readonly html: string;
  readonly images: readonly MovedImage[];
  /** Content ids of the message parts now linked as media, so the message can drop them. */
  readonly movedContentIds: ReadonlySet<string>;
  readonly dimensionsAdded: number;
}

const SHOWN_DATA_URL_LENGTH = 48;

/**
 * Moves a mail's embedded images (data: URLs, cid: parts, local files) to public media and points the HTML
 * at their absolute URLs. Every image is staged and checked before the first media is created. The rest
 * of the markup is kept byte for byte.
 */
export async function externalizeHtml(
  html: string,
  resolver: ImageSourceResolver,
  images: PublicImageImporter,
  links: PublicLinks,
  principal: Principal,
): Promise<ExternalizedHtml> {
  const document = await parseHtmlDocument(html);
  const snapshot = snapshotDocument(document);

  const staged = new Map<string, { image: StagedImage; reference: string; contentId: string | null }>();
  try {
    for (const url of listImageUrls(document)) {
      const found = await readImage(url, resolver);
      if (found === null) continue;
      const image = await images.stage(found.bytes, found.fileName, found.reference);
      staged.set(url, { image, reference: found.reference, contentId: found.contentId });
    }
  } catch (error) {
    await images.discard([...staged.values()].map((entry) => entry.image));
    throw error;
  }

  const moved: MovedImage[] = [];
  const byUrl = new Map<string, { url: string; width: number | null; height: number | null }>();
  const movedContentIds = new Set<string>();
  const entries = [...staged.entries()];
  for (const [index, [url, entry]] of entries.entries()) {
    try {
      const imported = await images.commit(entry.image, principal);
      const publicUrl = links.media(imported.media);
      byUrl.set(url, { url: publicUrl, width: imported.media.width, height: imported.media.height });
      if (entry.contentId !== null) movedContentIds.add(entry.contentId);
      moved.push({ reference: entry.reference, url: publicUrl, mediaId: imported.media.id, bytes: entry.image.staged.size, reused: imported.reused });
    } catch (error) {
      await images.discard(entries.slice(index + 1).map(([, rest]) => rest.image));
      throw error;
    }
  }

  let dimensionsAdded = 0;
  visitImageReferences(document, (reference) => {
    const target = byUrl.get(reference.url);
    if (target === undefined) return undefined;
    if (reference.attribute === 'src' && addDimensionAttributes(reference.element, target)) dimensionsAdded += 1;
    return target.url;
  });

  return { html: applyChangesToSource(html, document, snapshot), images: moved, movedContentIds, dimensionsAdded };
}

async function readImage(url: string, resolver: ImageSourceResolver): Promise<(ImageBytes & { reference: string; contentId: string | null }) | null> {
  if (isDataUrl(url)) {
    const reference = url.length > SHOWN_DATA_URL_LENGTH ? `${url.slice(0, SHOWN_DATA_URL_LENGTH)}…` : url;
    const decoded = await decodeDataUrl(url);
    if (decoded === null) throw new VitrailError('VITRAIL_DOCUMENT_IMAGE_INVALID', { reference, detected: 'a malformed data: URL' });
    return { bytes: decoded.bytes, fileName: `image.${decoded.mime.split('/')[1] ?? 'bin'}`, reference, contentId: null };
  }
  if (/^cid:/i.test(url)) {
    const contentId = normaliseContentId(safeDecode(url.slice(4)));
    const found = resolver.resolveContentId(contentId);
    return found === null ? null : { ...found, reference: url, contentId };
  }
  if (/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(url) && !/^file:/i.test(url)) return null;
  const found = await resolver.resolveLocal(url);
  return found === null ? null : { ...found, reference: url, contentId: null };
}

/** Content-ID values compare without their angle brackets (RFC 2392, section 2). */
export function normaliseContentId(contentId: string): string {
  return contentId.trim().replace(/^<|>$/g, '');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
