import { elementsOf, isTextNode, type HtmlDocument, type HtmlElement } from './html-tree.js';

/** Attribute values and `<style>` texts of a document before changes, to find what a rewrite changed. */
export interface DocumentSnapshot {
  readonly attributes: Map<HtmlElement, ReadonlyMap<string, string>>;
  readonly styleTexts: Map<HtmlElement, string[]>;
}

interface SourceEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export function snapshotDocument(document: HtmlDocument): DocumentSnapshot {
  const attributes = new Map<HtmlElement, ReadonlyMap<string, string>>();
  const styleTexts = new Map<HtmlElement, string[]>();
  for (const element of elementsOf(document)) {
    attributes.set(element, new Map(element.attrs.map((attribute) => [attribute.name, attribute.value])));
    if (element.tagName === 'style') styleTexts.set(element, element.childNodes.filter(isTextNode).map((node) => node.value));
  }
  return { attributes, styleTexts };
}

/**
 * Writes the changes made to a parsed document back into its original source text, and leaves every other
 * byte as it was. Changed attributes are replaced where the parser found them, new attributes go after the
 * tag name, and changed `<style>` texts are replaced. A mail's HTML is thus the same markup with new image
 * URLs, not a reformatted document. The document must be parsed with source locations.
 */
export function applyChangesToSource(source: string, document: HtmlDocument, snapshot: DocumentSnapshot): string {
  const edits: SourceEdit[] = [];
  for (const element of elementsOf(document)) {
    const before = snapshot.attributes.get(element);
    const location = element.sourceCodeLocation;
    if (before === undefined || location === null || location === undefined) continue;

    const added: string[] = [];
    for (const attribute of element.attrs) {
      const previous = before.get(attribute.name);
      if (previous === attribute.value) continue;
      const rendered = `${attribute.name}="${escapeAttribute(attribute.value)}"`;
      const attributeLocation = location.attrs?.[attribute.name];
      if (previous !== undefined && attributeLocation !== undefined) {
        edits.push({ start: attributeLocation.startOffset, end: attributeLocation.endOffset, text: rendered });
      } else {
        added.push(rendered);
      }
    }
    if (added.length > 0 && location.startTag !== undefined) {
      const afterName = location.startTag.startOffset + 1 + element.tagName.length;
      edits.push({ start: afterName, end: afterName, text: ` ${added.join(' ')}` });
    }

    const styles = snapshot.styleTexts.get(element);
    if (styles !== undefined) {
      const texts = element.childNodes.filter(isTextNode);
      texts.forEach((node, index) => {
        const textLocation = node.sourceCodeLocation;
        if (node.value !== styles[index] && textLocation !== null && textLocation !== undefined) {
          edits.push({ start: textLocation.startOffset, end: textLocation.endOffset, text: node.value });
        }
      });
    }
  }

  let result = source;
  for (const edit of edits.sort((left, right) => right.start - left.start)) {
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  }
  return result;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}
