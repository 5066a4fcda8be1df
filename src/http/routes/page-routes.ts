import type { FastifyInstance } from 'fastify';

import type { UserService } from '../../auth/user-service.js';
import type { PageRow } from '../../db/schema.js';

import type { MediaService } from '../../media/media-service.js';
import type { PublicLinks } from '../../media/public-links.js';
import { FINDING_KINDS, FINDING_LABELS } from '../../pages/finding-kinds.js';
import { MAX_TITLE_LENGTH, type PageService, type PageUpload } from '../../pages/page-service.js';
import { toPageView, type PageView } from '../../pages/page-view.js';
import { pageHeaders } from '../../serving/page-headers.js';
import type { Authenticator } from '../authentication.js';
import { readBooleanField, receiveDocumentUpload, type DocumentUpload } from '../document-upload.js';

export interface PageRoutesOptions {
  readonly pages: PageService;
  readonly media: MediaService;
  readonly authenticator: Authenticator;
  readonly links: PublicLinks;
  /** Adds `createdBy` (id and e-mail of the editor who published) to the pages returned, when given. */
  readonly users?: UserService;
}

/** A page with the editor who published it; null when the account is gone or no user service is given. */
type PageWithCreator = PageView & { readonly createdBy?: { readonly id: string; readonly email: string } | null };

const PAGE_FIELDS = ['title', 'confirm', 'indexable'] as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/** The pages API: publish, list, read, preview, replace, unpublish and publish again. */
export async function pageRoutes(app: FastifyInstance, options: PageRoutesOptions): Promise<void> {
  const { pages, media, authenticator, links } = options;

  /** Views of pages with their creators, looked up in one query for the whole list. */
  const viewsOf = async (rows: readonly Omit<PageRow, 'html'>[]): Promise<PageWithCreator[]> => {
    if (options.users === undefined) return rows.map((row) => toPageView(row, links));
    const emails = new Map((await options.users.listUsers()).map((user) => [user.id, user.email]));
    return rows.map((row) => {
      const email = row.created_by === null ? undefined : emails.get(row.created_by);
      const createdBy = row.created_by === null || email === undefined ? null : { id: row.created_by, email };
      return { ...toPageView(row, links), createdBy };
    });
  };
  const viewOf = async (row: Omit<PageRow, 'html'>): Promise<PageWithCreator> => (await viewsOf([row]))[0] ?? toPageView(row, links);

  app.post(
    '/api/v1/pages',
    {
      schema: {
        tags: ['pages'],
        summary: 'Publish a web version of a mailing',
        description:
          'multipart/form-data with an HTML file, or a zip of the page and its images, in the field "file"; optional fields "title", ' +
          '"indexable" (true lets search engines index the page) and "confirm" (ids of personal-data findings to publish anyway, ' +
          'comma-separated). Answers 201 with the page, or 422 VITRAIL_PAGE_PERSONAL_DATA with error.findings.',
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      const principal = await authenticator.require(request);
      const upload = await receiveDocumentUpload(request, media, PAGE_FIELDS);
      try {
        const row = await pages.publishPage(toPageUpload(upload), principal);
        const body = await viewOf(row);
        return await reply.code(201).header('location', body.url).send(body);
      } finally {
        await media.discardUpload(upload.staged);
      }
    },
  );

  app.get('/api/v1/pages', { schema: { tags: ['pages'], summary: 'List pages, newest first' } }, async (request) => {
    const principal = await authenticator.require(request);
    return { items: await viewsOf(await pages.listPages(principal)) };
  });

  app.get('/api/v1/pages/finding-kinds', { schema: { tags: ['pages'], summary: 'Kinds of personal-data findings, with French and English labels' } }, async () => ({ kinds: FINDING_KINDS, labels: FINDING_LABELS }));

  app.get<{ Params: { id: string } }>('/api/v1/pages/:id', { schema: { tags: ['pages'], summary: 'Read a page', params: idParams } }, async (request) => {
    const principal = await authenticator.require(request);
    return viewOf(await pages.getPage(request.params.id, principal));
  });

  app.get<{ Params: { id: string } }>('/api/v1/pages/:id/preview', { schema: { tags: ['pages'], summary: 'The page as readers get it, published or not', params: idParams } }, async (request, reply) => {
    const principal = await authenticator.require(request);
    const page = await pages.getPage(request.params.id, principal);
    return reply.headers(pageHeaders({ etag: `"${page.html_sha256}"`, indexable: false, cacheable: false })).send(page.html);
  });

  app.put<{ Params: { id: string } }>('/api/v1/pages/:id', { schema: { tags: ['pages'], summary: 'Replace the content of a page; its URL stays', description: 'The same multipart fields as publishing.', consumes: ['multipart/form-data'], params: idParams } }, async (request) => {
    const principal = await authenticator.require(request);
    const upload = await receiveDocumentUpload(request, media, PAGE_FIELDS);
    try {
      return await viewOf(await pages.replacePage(request.params.id, toPageUpload(upload), principal));
    } finally {
      await media.discardUpload(upload.staged);
    }
  });

  app.delete<{ Params: { id: string } }>('/api/v1/pages/:id', { schema: { tags: ['pages'], summary: 'Unpublish a page: its URL answers 404', params: idParams } }, async (request) => {
    const principal = await authenticator.require(request);
    return viewOf(await pages.unpublishPage(request.params.id, principal));
  });

  app.post<{ Params: { id: string } }>('/api/v1/pages/:id/publish', { schema: { tags: ['pages'], summary: 'Publish an unpublished page again, at the same URL', params: idParams } }, async (request) => {
    const principal = await authenticator.require(request);
    return viewOf(await pages.republishPage(request.params.id, principal));
  });
}

/** The "confirm" field lists finding ids, comma- or space-separated, and may be repeated. */
function toPageUpload(upload: DocumentUpload): PageUpload {
  const title = upload.fields.get('title')?.at(-1);
  const confirmed = (upload.fields.get('confirm') ?? []).flatMap((value) => value.split(/[\s,]+/)).filter((id) => id !== '');
  return {
    staged: upload.staged,
    fileName: upload.fileName,
    title: title === undefined ? undefined : [...title].slice(0, MAX_TITLE_LENGTH).join(''),
    confirmedFindings: confirmed,
    indexable: readBooleanField(upload, 'indexable'),
  };
}
