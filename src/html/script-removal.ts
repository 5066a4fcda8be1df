import { elementsOf, getAttribute, removeNode, type HtmlDocument } from './html-tree.js';

/** Elements that run code, embed other documents, or redirect the reader; none has a place in a mailing. */
const REMOVED_ELEMENTS = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'portal']);
/** Attributes that hold URLs a browser may navigate to or load. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'background', 'poster', 'data']);
const SCRIPT_SCHEMES = ['javascript:', 'vbscript:'];

export interface ScriptRemovalReport {
  readonly elements: number;
  readonly attributes: number;
}

/**
 * Removes what can run script from a document: script-like elements, `on*` event handler attributes,
 * `javascript:` URLs and `<meta http-equiv="refresh">`. The serving headers forbid scripts too; removing
 * them here keeps the stored page honest for anyone who downloads it.
 */
export function removeScripts(document: HtmlDocument): ScriptRemovalReport {
  let elements = 0;
  let attributes = 0;
  for (const element of elementsOf(document)) {
    const refresh = element.tagName === 'meta' && getAttribute(element, 'http-equiv')?.trim().toLowerCase() === 'refresh';
    if (REMOVED_ELEMENTS.has(element.tagName) || refresh) {
      removeNode(element);
      elements += 1;
      continue;
    }
    const kept = element.attrs.filter((attribute) => {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on')) return false;
      return !(URL_ATTRIBUTES.has(name) && hasScriptScheme(attribute.value));
    });
    attributes += element.attrs.length - kept.length;
    element.attrs = kept;
  }
  return { elements, attributes };
}

/** Browsers ignore ASCII whitespace and control characters inside a scheme, so "java\tscript:" counts. */
function hasScriptScheme(url: string): boolean {
  const compact = url.replace(/[\u0000-\u0020]/g, '').toLowerCase();
  return SCRIPT_SCHEMES.some((scheme) => compact.startsWith(scheme));
}
