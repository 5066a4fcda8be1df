import type { Media } from './api';

/** Width of the content column of most mail templates, in CSS pixels. */
export const MAIL_COLUMN_WIDTH = 600;

/**
 * Size of an image placed in a mail column: its own size when it fits, else scaled down to the column with
 * the same proportions. Outlook for Windows ignores CSS sizes, so these go into width and height attributes.
 */
export function sizeForMailColumn(width: number, height: number): { width: number; height: number } {
  if (width <= MAIL_COLUMN_WIDTH) return { width, height };
  return { width: MAIL_COLUMN_WIDTH, height: Math.round((height * MAIL_COLUMN_WIDTH) / width) };
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Builds an <img> element to paste into a mail: src, alt and, when known, width and height for a 600 px column. */
export function imageSnippet(media: Pick<Media, 'url' | 'alt' | 'width' | 'height'>): string {
  const attributes = [`src="${escapeAttribute(media.url)}"`, `alt="${escapeAttribute(media.alt)}"`];
  if (media.width !== null && media.height !== null) {
    const size = sizeForMailColumn(media.width, media.height);
    attributes.push(`width="${size.width}"`, `height="${size.height}"`);
  }
  attributes.push('style="display:block;max-width:100%;height:auto;border:0"');
  return `<img ${attributes.join(' ')}>`;
}

/** Error raised when the browser rejects both ways of copying, so that the interface shows how to copy by hand. */
export class CopyRefusedError extends Error {
  constructor() {
    super('the browser rejected the copy command');
    this.name = 'CopyRefusedError';
  }
}

/** Copies text to the clipboard; the fallback serves browsers that refuse the Clipboard API. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    if (!copied) throw new CopyRefusedError();
  }
}
