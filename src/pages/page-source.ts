import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

import iconv from 'iconv-lite';

import { VitrailError } from '../errors/catalogue.js';
import { detectFileType } from '../media/media-types.js';
import type { StagedFile } from '../storage/staging-area.js';
import { CheckedZip, type ZipFileEntry, type ZipLimits } from './zip-archive.js';

const HTML_EXTENSIONS = new Set(['.html', '.htm']);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** An image file of the upload that the page refers to: an entry of its zip, read on demand. */
export interface LocalImage {
  readonly name: string;
  open(): Promise<Readable>;
}

/** The uploaded page: its HTML, and the images of its zip when it came as one. */
export interface PageSource {
  readonly html: string;
  /** Name of the HTML file, for the title when the page has none. */
  readonly fileName: string;
  /** Finds the file a relative URL names, or null when the upload has no such file. */
  findLocalImage(url: string): LocalImage | null;
  close(): void;
}

/** Reads a staged upload as a zip holding a page and its images, or as a lone HTML file. */
export async function readPageSource(staged: StagedFile, fileName: string, limits: ZipLimits): Promise<PageSource> {
  if (await isZip(staged.path)) return readZipSource(staged.path, limits);
  const detected = await detectFileType(staged.path);
  if (detected !== null) throw new VitrailError('VITRAIL_PAGE_NOT_HTML', { name: fileName, detected: detected.mime });
  const html = decodeHtml(await readFile(staged.path), fileName);
  if (!HTML_EXTENSIONS.has(path.extname(fileName).toLowerCase()) && !startsLikeHtml(html)) {
    throw new VitrailError('VITRAIL_PAGE_NOT_HTML', { name: fileName, detected: 'text without HTML markup' });
  }
  return { html, fileName, findLocalImage: () => null, close: () => undefined };
}

async function readZipSource(filePath: string, limits: ZipLimits): Promise<PageSource> {
  const zip = await CheckedZip.open(filePath, limits);
  try {
    const page = choosePage(zip.files);
    const html = decodeHtml(await zip.readEntry(page), page.name);
    const byName = new Map(zip.files.map((entry) => [entry.name, entry]));
    const byFoldedName = new Map(zip.files.map((entry) => [entry.name.toLowerCase(), entry]));
    const pageFolder = path.posix.dirname(page.name);
    return {
      html,
      fileName: path.posix.basename(page.name),
      findLocalImage: (url) => {
        const wanted = resolveInArchive(pageFolder, url);
        if (wanted === null) return null;
        const entry = byName.get(wanted) ?? byFoldedName.get(wanted.toLowerCase());
        return entry === undefined ? null : { name: entry.name, open: () => zip.openEntry(entry) };
      },
      close: () => zip.close(),
    };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/** Picks the page of a zip: its only HTML file, or else the index.html closest to the root. */
function choosePage(files: readonly ZipFileEntry[]): ZipFileEntry {
  const pages = files.filter((entry) => HTML_EXTENSIONS.has(path.posix.extname(entry.name).toLowerCase()));
  if (pages.length === 1 && pages[0] !== undefined) return pages[0];
  if (pages.length === 0) throw new VitrailError('VITRAIL_PAGE_NO_HTML');
  const indexes = pages
    .filter((entry) => /^index\.html?$/i.test(path.posix.basename(entry.name)))
    .sort((left, right) => left.name.split('/').length - right.name.split('/').length);
  const [first, second] = indexes;
  if (first === undefined || (second !== undefined && second.name.split('/').length === first.name.split('/').length)) {
    throw new VitrailError('VITRAIL_PAGE_SEVERAL_HTML', { names: pages.slice(0, 5).map((entry) => entry.name).join(', ') });
  }
  return first;
}

/** Resolves a relative URL against the page's folder; null for URLs with a scheme or leaving the archive. */
function resolveInArchive(pageFolder: string, url: string): string | null {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) || url.startsWith('//')) return null;
  const withoutQuery = url.split(/[?#]/)[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(withoutQuery);
  } catch {
    decoded = withoutQuery;
  }
  const joined = decoded.startsWith('/') ? path.posix.normalize(decoded.slice(1)) : path.posix.join(pageFolder, decoded);
  if (joined === '..' || joined.startsWith('../')) return null;
  return joined.normalize('NFC');
}

/** Reads HTML as UTF-8, or as Windows-1252 when the bytes are not valid UTF-8 (pages saved by old editors). */
function decodeHtml(bytes: Buffer, name: string): string {
  if (bytes.includes(0)) throw new VitrailError('VITRAIL_PAGE_NOT_HTML', { name, detected: 'binary data' });
  try {
    return strictUtf8.decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return iconv.decode(bytes, 'windows-1252');
  }
}

/**
 * Opening tags by which browsers recognise HTML in a file of unknown type (WHATWG MIME Sniffing, section
 * 7.1). Each must be followed by a space or `>`, except `<!--`, which is accepted on its own.
 */
const HTML_OPENINGS = ['<!doctype html', '<html', '<head', '<script', '<iframe', '<h1', '<div', '<font', '<table', '<a', '<style', '<title', '<b', '<body', '<br', '<p'];

/** Tells whether a file named neither .html nor .htm still opens as HTML does, so a CSV or a note is rejected. */
function startsLikeHtml(text: string): boolean {
  const start = text.trimStart().slice(0, 32).toLowerCase();
  if (start.startsWith('<!--')) return true;
  return HTML_OPENINGS.some((opening) => start.startsWith(opening) && /^[\s>]/.test(start.slice(opening.length)));
}

/** Zip archives start with a local file header, or with the end record when they are empty. */
async function isZip(filePath: string): Promise<boolean> {
  const handle = await open(filePath, 'r');
  try {
    const signature = Buffer.alloc(4);
    await handle.read(signature, 0, 4, 0);
    return signature.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) || signature.equals(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  } finally {
    await handle.close();
  }
}
