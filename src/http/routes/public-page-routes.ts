import type { FastifyInstance } from 'fastify';

import { VitrailError } from '../../errors/catalogue.js';
import { isWellFormedSlug } from '../../pages/page-slugs.js';
import type { PageService } from '../../pages/page-service.js';
import { pageHeaders } from '../../serving/page-headers.js';
import { sendError } from '../error-handler.js';

export interface PublicPageRoutesOptions {
  readonly pages: PageService;
}

/** Registers the public path of hosted pages, `/p/<slug>/`, for anonymous readers. */
export async function publicPageRoutes(app: FastifyInstance, options: PublicPageRoutesOptions): Promise<void> {
  const { pages } = options;

  app.get<{ Params: { slug: string } }>('/p/:slug', async (request, reply) => {
    return reply.redirect(`/p/${encodeURIComponent(request.params.slug)}/`, 301);
  });

  app.get<{ Params: { slug: string } }>('/p/:slug/', async (request, reply) => {
    const { slug } = request.params;
    const page = isWellFormedSlug(slug) ? await pages.findPublishedPage(slug) : null;
    if (page === null) return sendError(reply, new VitrailError('VITRAIL_ROUTE_NOT_FOUND', { method: request.method, path: `/p/${slug}/` }));

    const etag = `"${page.html_sha256}${page.indexable === 1 ? '-i' : ''}"`;
    reply.headers(pageHeaders({ etag, indexable: page.indexable === 1, cacheable: true }));
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
    return reply.send(page.html);
  });
}

/** If-None-Match uses the weak comparison (RFC 9110, section 13.1.2): a W/ prefix does not matter. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}
