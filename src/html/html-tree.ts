import type { DefaultTreeAdapterTypes } from 'parse5';

export type HtmlDocument = DefaultTreeAdapterTypes.Document;
export type HtmlElement = DefaultTreeAdapterTypes.Element;
export type HtmlNode = DefaultTreeAdapterTypes.Node;
export type HtmlChildNode = DefaultTreeAdapterTypes.ChildNode;
export type HtmlTextNode = DefaultTreeAdapterTypes.TextNode;

/**
 * Parses a whole HTML document as browsers do, keeping source lines for messages about it. parse5 loads on
 * first use, like the other libraries that only pages and mails need, so an idle server does without them.
 */
export async function parseHtmlDocument(html: string): Promise<HtmlDocument> {
  const { parse } = await import('parse5');
  return parse(html, { sourceCodeLocationInfo: true });
}

export async function serializeHtmlDocument(document: HtmlDocument): Promise<string> {
  const { serialize } = await import('parse5');
  return serialize(document);
}

export function isElement(node: HtmlNode): node is HtmlElement {
  return 'tagName' in node;
}

export function isTextNode(node: HtmlNode): node is HtmlTextNode {
  return node.nodeName === '#text';
}

/** Child nodes of a node, including the content of a `<template>`. */
export function childrenOf(node: HtmlNode): HtmlChildNode[] {
  const children = 'childNodes' in node ? [...node.childNodes] : [];
  if (isElement(node) && node.tagName === 'template' && 'content' in node) {
    children.push(...(node as DefaultTreeAdapterTypes.Template).content.childNodes);
  }
  return children;
}

/** Visits every node in document order; the children list is copied first, so the visitor may remove the node. */
export function walk(node: HtmlNode, visit: (node: HtmlNode) => void): void {
  visit(node);
  for (const child of childrenOf(node)) walk(child, visit);
}

export function elementsOf(root: HtmlNode): HtmlElement[] {
  const elements: HtmlElement[] = [];
  walk(root, (node) => {
    if (isElement(node)) elements.push(node);
  });
  return elements;
}

export function getAttribute(element: HtmlElement, name: string): string | undefined {
  return element.attrs.find((attribute) => attribute.name === name)?.value;
}

export function setAttribute(element: HtmlElement, name: string, value: string): void {
  const existing = element.attrs.find((attribute) => attribute.name === name);
  if (existing === undefined) element.attrs.push({ name, value });
  else existing.value = value;
}

export function removeAttribute(element: HtmlElement, name: string): void {
  element.attrs = element.attrs.filter((attribute) => attribute.name !== name);
}

export function removeNode(node: HtmlChildNode): void {
  const parent = node.parentNode;
  if (parent === null) return;
  const siblings = parent.childNodes as HtmlChildNode[];
  const index = siblings.indexOf(node);
  if (index >= 0) siblings.splice(index, 1);
  node.parentNode = null;
}

/** The text of a node and its descendants, as `textContent` returns it. */
export function textOf(node: HtmlNode): string {
  if (isTextNode(node)) return node.value;
  return childrenOf(node).map(textOf).join('');
}

/** Source line of a node, when the parser recorded it (1-based). */
export function lineOf(node: HtmlNode): number | null {
  return 'sourceCodeLocation' in node && node.sourceCodeLocation ? node.sourceCodeLocation.startLine : null;
}
