import type { LegacyPathRepository } from '../db/repositories/legacy-path-repository.js';
import type { MediaDerivedBlobRow } from '../db/schema.js';
import { decodeLegacyPath, isForbiddenFileName } from './drupal-paths.js';
import { DRUPAL_STANDARD_STYLE_SIZES, type StyleSize } from './image-styles.js';

/** Target of an old URL path: a media, one of its derived images, or nothing. */
export type LegacyTarget =
  /** The media itself, or, with `styleSize`, a variant of it that fits an image style's box. */
  | { readonly kind: 'media'; readonly mediaId: string; readonly styleSize?: StyleSize }
  | { readonly kind: 'derived'; readonly mediaId: string; readonly blob: MediaDerivedBlobRow }
  | { readonly kind: 'not-found' };

const NOT_FOUND: LegacyTarget = { kind: 'not-found' };
const STYLE_PATH = /^styles\/([^/]+)\/([^/]+)\/(.+)$/s;
const WEBP_SUFFIX = '.webp';

/**
 * Resolves old Drupal URL paths to media. A plain path serves the media imported from it. An image style
 * path (`styles/<style>/public/<path>`, possibly with `.webp` appended) serves the derivative imported
 * from disk, else a variant at the size of one of Drupal's standard styles, else the media itself. Secret Drupal files never resolve.
 */
export class LegacyUrlResolver {
  constructor(private readonly paths: LegacyPathRepository) {}

  /** `rawPath` is the URL path after the prefix and its slash, still percent-encoded. */
  async resolve(prefix: string, rawPath: string): Promise<LegacyTarget> {
    const decoded = decodeLegacyPath(rawPath);
    if (decoded === null || decoded === '' || isForbiddenFileName(decoded)) return NOT_FOUND;

    const direct = await this.paths.findMediaId(prefix, decoded);
    if (direct !== undefined) return { kind: 'media', mediaId: direct };

    const style = STYLE_PATH.exec(decoded);
    if (style === null) return NOT_FOUND;
    const [, styleName = '', scheme = '', stylePath = ''] = style;
    // A derivative of a private file is private too: Drupal serves it at /system/files/styles/….
    if (scheme !== 'public') return NOT_FOUND;
    return this.resolveStyle(prefix, styleName, stylePath);
  }

  private async resolveStyle(prefix: string, style: string, stylePath: string): Promise<LegacyTarget> {
    const candidates: { path: string; keys: string[] }[] = [{ path: stylePath, keys: [style] }];
    if (stylePath.endsWith(WEBP_SUFFIX)) {
      candidates.push({ path: stylePath.slice(0, -WEBP_SUFFIX.length), keys: [`${style}${WEBP_SUFFIX}`, style] });
    }

    for (const candidate of candidates) {
      if (isForbiddenFileName(candidate.path)) return NOT_FOUND;
      const mediaId = await this.paths.findMediaId(prefix, candidate.path);
      if (mediaId === undefined) continue;
      for (const key of candidate.keys) {
        const blob = await this.paths.findDerivedBlob(mediaId, 'drupal-style', key);
        if (blob !== undefined) return { kind: 'derived', mediaId, blob };
      }
      const styleSize = Object.hasOwn(DRUPAL_STANDARD_STYLE_SIZES, style) ? DRUPAL_STANDARD_STYLE_SIZES[style] : undefined;
      return styleSize === undefined ? { kind: 'media', mediaId } : { kind: 'media', mediaId, styleSize };
    }
    return NOT_FOUND;
  }
}
