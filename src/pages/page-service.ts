import { createHash } from 'node:crypto';
import path from 'node:path';

import type { Logger } from 'pino';

import { accessPolicy, type Action } from '../auth/access-policy.js';
import type { Principal } from '../auth/principal.js';
import type { PageRepository } from '../db/repositories/page-repository.js';
import type { PageRow } from '../db/schema.js';
import { VitrailError } from '../errors/catalogue.js';
import { decodeDataUrl, isDataUrl } from '../html/data-urls.js';
import { elementsOf, parseHtmlDocument, serializeHtmlDocument, textOf, type HtmlDocument } from '../html/html-tree.js';
import { listImageUrls, visitImageReferences } from '../html/image-references.js';
import { removeScripts } from '../html/script-removal.js';
import { createMediaId } from '../media/media-ids.js';
import type { PublicImageImporter, StagedImage } from '../media/public-image-import.js';
import type { PublicLinks } from '../media/public-links.js';
import type { StagedFile } from '../storage/staging-area.js';
import type { Clock } from '../time/clock.js';
import { findPersonalData, type Finding, type PersonalDataAllowlist } from './personal-data.js';
import { createPageSlug } from './page-slugs.js';
import { readPageSource, type PageSource } from './page-source.js';
import type { ZipLimits } from './zip-archive.js';

export interface PageServiceDependencies {
  readonly pages: PageRepository;
  readonly images: PublicImageImporter;
  readonly links: PublicLinks;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly zipLimits: ZipLimits;
  readonly allowlist: PersonalDataAllowlist;
}

/** A page upload: the staged HTML file or zip, and the editor's choices. */
export interface PageUpload {
  readonly staged: StagedFile;
  readonly fileName: string;
  readonly title?: string;
  /** Ids of the personal-data findings the editor confirmed as fine to publish. */
  readonly confirmedFindings: readonly string[];
  /** true lets search engines index the page. */
  readonly indexable?: boolean;
}

export const MAX_TITLE_LENGTH = 200;
export const MAX_LISTED_PAGES = 500;

/** A page ready to store: cleaned HTML whose images are public media. */
interface PreparedPage {
  readonly html: string;
  readonly title: string;
  readonly confirmed: readonly Finding[];
}

/** Hosted web versions of mailings: publish, replace, list, read, unpublish and publish again. */
export class PageService {
  constructor(private readonly deps: PageServiceDependencies) {}

  /** Publishes an uploaded page at a new /p/<slug>/ URL, once it passed the checks. */
  async publishPage(upload: PageUpload, principal: Principal): Promise<PageRow> {
    this.requireRight(principal, 'publish pages');
    const prepared = await this.preparePage(upload, principal);
    const now = this.deps.clock.now().toISOString();
    const row: PageRow = {
      id: createMediaId(),
      slug: createPageSlug(prepared.title),
      title: prepared.title,
      html: prepared.html,
      html_sha256: sha256(prepared.html),
      indexable: upload.indexable === true ? 1 : 0,
      confirmed_findings: JSON.stringify(prepared.confirmed),
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
      unpublished_at: null,
    };
    await this.deps.pages.insert(row);
    this.deps.logger.info({ pageId: row.id, slug: row.slug, userId: principal.userId, confirmed: prepared.confirmed.length }, 'page published');
    return row;
  }

  /** Replaces a page's content; its URL stays the same, and an unpublished page stays unpublished. */
  async replacePage(id: string, upload: PageUpload, principal: Principal): Promise<PageRow> {
    this.requireRight(principal, 'publish pages');
    const page = await this.requirePage(id);
    const prepared = await this.preparePage(upload, principal);
    const keepTitle = upload.title === undefined || upload.title.trim() === '';
    let indexable = page.indexable;
    if (upload.indexable !== undefined) indexable = upload.indexable ? 1 : 0;
    const changes = {
      title: keepTitle ? page.title : prepared.title,
      html: prepared.html,
      html_sha256: sha256(prepared.html),
      indexable,
      confirmed_findings: JSON.stringify(prepared.confirmed),
      updated_at: this.deps.clock.now().toISOString(),
    };
    const updated = await this.deps.pages.update(id, changes);
    this.deps.logger.info({ pageId: id, userId: principal.userId }, 'page replaced');
    return updated ?? page;
  }

  async listPages(principal: Principal): Promise<Omit<PageRow, 'html'>[]> {
    this.requireRight(principal, 'publish pages');
    return this.deps.pages.list(MAX_LISTED_PAGES);
  }

  async getPage(id: string, principal: Principal): Promise<PageRow> {
    this.requireRight(principal, 'publish pages');
    return this.requirePage(id);
  }

  /** Takes a page offline: its URL returns 404 until the page is published again. */
  async unpublishPage(id: string, principal: Principal): Promise<PageRow> {
    this.requireRight(principal, 'publish pages');
    const page = await this.requirePage(id);
    if (page.unpublished_at !== null) return page;
    const now = this.deps.clock.now().toISOString();
    const updated = await this.deps.pages.update(id, { unpublished_at: now, updated_at: now });
    this.deps.logger.info({ pageId: id, userId: principal.userId }, 'page unpublished');
    return updated ?? page;
  }

  async republishPage(id: string, principal: Principal): Promise<PageRow> {
    this.requireRight(principal, 'publish pages');
    const page = await this.requirePage(id);
    if (page.unpublished_at === null) return page;
    const updated = await this.deps.pages.update(id, { unpublished_at: null, updated_at: this.deps.clock.now().toISOString() });
    this.deps.logger.info({ pageId: id, userId: principal.userId }, 'page published again');
    return updated ?? page;
  }

  /** Finds the published page of a slug, for anonymous readers; null when there is none or it is offline. */
  async findPublishedPage(slug: string): Promise<PageRow | null> {
    const page = await this.deps.pages.findBySlug(slug);
    return page === undefined || page.unpublished_at !== null ? null : page;
  }

  /**
   * Reads, cleans and checks an upload, then turns its images into public media. Every check (archive,
   * references, personal data, image types) runs before the first media is created, so a rejected page
   * leaves nothing behind. The caller removes the staged upload afterwards.
   */
  private async preparePage(upload: PageUpload, principal: Principal): Promise<PreparedPage> {
    let source: PageSource | undefined;
    try {
      source = await readPageSource(upload.staged, upload.fileName, this.deps.zipLimits);
      const document = await parseHtmlDocument(source.html);
      removeScripts(document);
      const title = chooseTitle(upload.title, document, source.fileName);

      const findings = findPersonalData(document, this.deps.allowlist);
      const confirmed = new Set(upload.confirmedFindings);
      const unconfirmed = findings.filter((finding) => !confirmed.has(finding.id));
      if (unconfirmed.length > 0) {
        throw new VitrailError('VITRAIL_PAGE_PERSONAL_DATA', { count: unconfirmed.length }, { details: { findings: unconfirmed } });
      }

      const urls = await this.importImages(document, source, principal);
      visitImageReferences(document, (reference) => urls.get(reference.url));
      return { html: await serializeHtmlDocument(document), title, confirmed: findings };
    } finally {
      source?.close();
    }
  }

  /** Stages every data: image and image of the zip, then creates their media; returns new URLs by old. */
  private async importImages(document: HtmlDocument, source: PageSource, principal: Principal): Promise<Map<string, string>> {
    const staged = new Map<string, StagedImage>();
    try {
      const missing: string[] = [];
      for (const url of listImageUrls(document)) {
        if (isDataUrl(url)) {
          const decoded = await decodeDataUrl(url);
          if (decoded === null) throw new VitrailError('VITRAIL_DOCUMENT_IMAGE_INVALID', { reference: `${url.slice(0, 40)}…`, detected: 'a malformed data: URL' });
          staged.set(url, await this.deps.images.stage(decoded.bytes, `image.${decoded.mime.split('/')[1] ?? 'bin'}`, `${url.slice(0, 40)}…`));
          continue;
        }
        if (isExternal(url)) continue;
        const local = source.findLocalImage(url);
        if (local === null) {
          missing.push(url);
          continue;
        }
        staged.set(url, await this.deps.images.stage(await local.open(), path.posix.basename(local.name), local.name));
      }
      if (missing.length > 0) throw new VitrailError('VITRAIL_PAGE_IMAGE_MISSING', { references: missing.slice(0, 10).join(', ') });
    } catch (error) {
      await this.deps.images.discard(staged.values());
      throw error;
    }

    const urls = new Map<string, string>();
    const entries = [...staged.entries()];
    for (const [index, [url, image]] of entries.entries()) {
      try {
        const imported = await this.deps.images.commit(image, principal);
        urls.set(url, this.deps.links.media(imported.media));
      } catch (error) {
        await this.deps.images.discard(entries.slice(index + 1).map(([, rest]) => rest));
        throw error;
      }
    }
    return urls;
  }

  private async requirePage(id: string): Promise<PageRow> {
    const page = await this.deps.pages.findById(id);
    if (page === undefined) throw new VitrailError('VITRAIL_PAGE_NOT_FOUND', { id });
    return page;
  }

  private requireRight(principal: Principal, action: Action): void {
    if (!accessPolicy.can(principal, action)) throw new VitrailError('VITRAIL_FORBIDDEN', { action });
  }
}

/** Checks for URLs that do not name a file of the upload: any scheme (http, cid, about …) or protocol-relative. */
function isExternal(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//');
}

function chooseTitle(requested: string | undefined, document: HtmlDocument, fileName: string): string {
  const fromDocument = elementsOf(document).find((element) => element.tagName === 'title');
  const candidates = [requested, fromDocument === undefined ? undefined : textOf(fromDocument), fileName.replace(/\.[^.]*$/, '')];
  for (const candidate of candidates) {
    const title = (candidate ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
    if (title !== '') return [...title].slice(0, MAX_TITLE_LENGTH).join('');
  }
  return 'page';
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
