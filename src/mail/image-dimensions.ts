import { getAttribute, setAttribute, type HtmlElement } from '../html/html-tree.js';

/**
 * Adds `width` and `height` attributes to an `<img>` that only CSS sizes. Outlook on Windows renders with
 * Word, which ignores CSS sizes on images and shows remote images at their natural size, so a mailing
 * that relies on CSS alone breaks there once its images are remote. A missing side is derived from the
 * image's proportions. Returns true when attributes were added.
 */
export function addDimensionAttributes(element: HtmlElement, natural: { width: number | null; height: number | null }): boolean {
  if (element.tagName !== 'img') return false;
  if (getAttribute(element, 'width') !== undefined || getAttribute(element, 'height') !== undefined) return false;
  const declared = readPixelSizes(getAttribute(element, 'style') ?? '');
  if (declared.width === null && declared.height === null) return false;

  const ratio = natural.width !== null && natural.height !== null && natural.width > 0 ? natural.height / natural.width : null;
  const width = declared.width ?? (ratio !== null && declared.height !== null ? Math.round(declared.height / ratio) : null);
  const height = declared.height ?? (ratio !== null && declared.width !== null ? Math.round(declared.width * ratio) : null);
  if (width === null || height === null) return false;
  setAttribute(element, 'width', String(width));
  setAttribute(element, 'height', String(height));
  return true;
}

/** Reads `width` and `height` declarations in pixels from a style attribute; other units are left to CSS. */
function readPixelSizes(style: string): { width: number | null; height: number | null } {
  const sizes: { width: number | null; height: number | null } = { width: null, height: null };
  for (const declaration of style.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon === -1) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).replace(/!important/i, '').trim().toLowerCase();
    if (property !== 'width' && property !== 'height') continue;
    const pixels = /^(\d+(?:\.\d+)?)(px)?$/.exec(value);
    if (pixels?.[1] !== undefined) sizes[property] = Math.round(Number(pixels[1]));
  }
  return sizes;
}
