import { elementsOf, getAttribute, isTextNode, setAttribute, type HtmlDocument, type HtmlElement } from './html-tree.js';

/** An image URL in a document, with its place: an attribute of an element, or the text of a `<style>` element. */
export interface ImageReference {
  readonly url: string;
  readonly element: HtmlElement;
  /** `src`, `srcset`, `background`, `style`, or `#text` for a `<style>` element's content. */
  readonly attribute: string;
}

/** Returns the new URL of a reference, or undefined to leave it as it is. */
export type ImageReferenceVisitor = (reference: ImageReference) => string | undefined;

const SRC_ELEMENTS = new Set(['img', 'input']);
const SRCSET_ELEMENTS = new Set(['img', 'source']);
/** The legacy `background` attribute, still used by mail templates for table cell backgrounds. */
const BACKGROUND_ELEMENTS = new Set(['body', 'table', 'td', 'th', 'tr']);
const CSS_SPACES = new Set([' ', '\t', '\n', '\r', '\f']);
/** Characters that end an unquoted CSS URL (CSS Syntax Level 3, section 4.3.6). */
const CSS_BARE_URL_END = new Set([')', '"', "'", '(', ' ', '\t', '\n', '\r', '\f']);

/**
 * Calls the visitor on every image URL of a document (`img` sources and srcsets, `background` attributes,
 * `url()` in style attributes and `<style>` elements), and writes back the URLs it returns.
 */
export function visitImageReferences(document: HtmlDocument, visit: ImageReferenceVisitor): void {
  for (const element of elementsOf(document)) {
    if (SRC_ELEMENTS.has(element.tagName)) rewriteAttribute(element, 'src', visit);
    if (SRCSET_ELEMENTS.has(element.tagName)) rewriteSrcset(element, visit);
    if (BACKGROUND_ELEMENTS.has(element.tagName)) rewriteAttribute(element, 'background', visit);
    const style = getAttribute(element, 'style');
    if (style !== undefined) setAttribute(element, 'style', rewriteCss(style, element, 'style', visit));
    if (element.tagName === 'style') {
      for (const child of element.childNodes) {
        if (isTextNode(child)) child.value = rewriteCss(child.value, element, '#text', visit);
      }
    }
  }
}

/** Lists the distinct image URLs of a document, in document order. */
export function listImageUrls(document: HtmlDocument): string[] {
  const urls = new Set<string>();
  visitImageReferences(document, (reference) => {
    urls.add(reference.url);
    return undefined;
  });
  return [...urls];
}

function rewriteAttribute(element: HtmlElement, attribute: string, visit: ImageReferenceVisitor): void {
  if (element.tagName === 'input' && getAttribute(element, 'type')?.toLowerCase() !== 'image') return;
  const value = getAttribute(element, attribute);
  if (value === undefined || value.trim() === '') return;
  const replacement = visit({ url: value.trim(), element, attribute });
  if (replacement !== undefined) setAttribute(element, attribute, replacement);
}

/** Rewrites each candidate of a srcset ("a.png 1x, b.png 2x"), keeping its descriptor. */
function rewriteSrcset(element: HtmlElement, visit: ImageReferenceVisitor): void {
  const value = getAttribute(element, 'srcset');
  if (value === undefined || value.trim() === '') return;
  const candidates = splitSrcset(value).map((candidate) => {
    const [url = '', ...descriptors] = candidate.split(/\s+/);
    const replacement = visit({ url, element, attribute: 'srcset' });
    return [replacement ?? url, ...descriptors].join(' ');
  });
  setAttribute(element, 'srcset', candidates.join(', '));
}

/** Splits a srcset on the commas that separate candidates; a data: URL keeps the comma before its payload. */
function splitSrcset(value: string): string[] {
  const candidates: string[] = [];
  let rest = value.trim();
  while (rest !== '') {
    const urlEnd = rest.search(/\s/);
    const url = urlEnd === -1 ? rest : rest.slice(0, urlEnd);
    rest = urlEnd === -1 ? '' : rest.slice(urlEnd);
    const comma = rest.indexOf(',');
    const descriptor = comma === -1 ? rest : rest.slice(0, comma);
    rest = comma === -1 ? '' : rest.slice(comma + 1).trim();
    const bareUrl = url.endsWith(',') && descriptor.trim() === '' ? url.slice(0, -1) : url;
    candidates.push(`${bareUrl} ${descriptor.trim()}`.trim());
  }
  return candidates.filter((candidate) => candidate !== '');
}

/**
 * Rewrites the URL of each `url(...)` in CSS text. A scan with indexOf rather than one regex keeps the work
 * linear: a regex over `url(` runs without a closing parenthesis backtracks quadratically. CSS escapes
 * inside URLs are rare in mailings and left as they are.
 */
function rewriteCss(css: string, element: HtmlElement, attribute: string, visit: ImageReferenceVisitor): string {
  const lower = css.toLowerCase();
  let result = '';
  let copied = 0;
  for (let start = lower.indexOf('url('); start !== -1; start = lower.indexOf('url(', start + 4)) {
    const parsed = readCssUrl(css, start + 4);
    if (parsed === null) continue;
    const replacement = parsed.url === '' ? undefined : visit({ url: parsed.url, element, attribute });
    if (replacement !== undefined) {
      result += `${css.slice(copied, start)}url("${replacement}")`;
      copied = parsed.end;
    }
    start = parsed.end - 4;
  }
  return result + css.slice(copied);
}

/** Reads the argument of `url(` from `position`: a quoted string or a bare URL, then the closing parenthesis. */
function readCssUrl(css: string, position: number): { url: string; end: number } | null {
  let cursor = skipCssSpaces(css, position);
  let url: string;
  const quote = css[cursor];
  if (quote === '"' || quote === "'") {
    const closing = css.indexOf(quote, cursor + 1);
    if (closing === -1) return null;
    url = css.slice(cursor + 1, closing);
    cursor = closing + 1;
  } else {
    const begin = cursor;
    while (cursor < css.length && !CSS_BARE_URL_END.has(css[cursor] ?? '')) cursor += 1;
    url = css.slice(begin, cursor);
  }
  cursor = skipCssSpaces(css, cursor);
  if (css[cursor] !== ')') return null;
  return { url: url.trim(), end: cursor + 1 };
}

function skipCssSpaces(css: string, position: number): number {
  let cursor = position;
  while (cursor < css.length && CSS_SPACES.has(css[cursor] ?? '')) cursor += 1;
  return cursor;
}
