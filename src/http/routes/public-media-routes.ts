import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { VitrailError } from '../../errors/catalogue.js';
import { isMediaId } from '../../media/media-ids.js';
import type { MediaService } from '../../media/media-service.js';
import type { ImageVariants } from '../../images/image-variants.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { sendGone } from '../../serving/gone.js';
import type { PublicPath } from '../../serving/public-path.js';
import { planResponse, type RequestConditions } from '../../serving/response-plan.js';
import { resolveServedContent } from '../../serving/served-content.js';
import type { Authenticator } from '../authentication.js';

export interface PublicMediaRoutesOptions {
  readonly media: MediaService;
  readonly blobs: BlobStore;
  readonly authenticator: Authenticator;
  readonly variants: ImageVariants;
  /** Filled with each media found here, so the next request for it skips the database. */
  readonly publicPath?: PublicPath;
}

/**
 * `GET` and `HEAD /m/<id>/<name>`: anyone fetches a public media without logging in. The name segment is
 * for people only, so an outdated name still serves the media. A private media answers 404, like an unknown
 * id, to anyone without the right to read it. Images serve their mail-ready rendition, or a variant
 * requested in the query (docs/images.md).
 */
export async function publicMediaRoutes(app: FastifyInstance, options: PublicMediaRoutesOptions): Promise<void> {
  const serve = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) =>
    serveMedia(request.params.id, request, reply, options);

  for (const url of ['/m/:id', '/m/:id/*']) {
    app.route({ method: ['GET', 'HEAD'], url, exposeHeadRoute: false, handler: serve });
  }
}

/** Serves the media `id` as its public URL does; old URL paths that resolve to a media use it too. */
export async function serveMedia(
  id: string,
  request: FastifyRequest,
  reply: FastifyReply,
  options: PublicMediaRoutesOptions,
  /** Variant parameters that replace the request's query, for old URLs that name a size in their path. */
  variantQuery?: Readonly<Record<string, string>>,
): Promise<FastifyReply> {
  const ticket = options.publicPath?.ticket();
  const principal = await options.authenticator.optional(request);
  const resolution = isMediaId(id) ? await options.media.resolvePublicMedia(id, principal) : ({ kind: 'not-found' } as const);
  if (resolution.kind === 'gone') return sendGone(reply, id, resolution.wasImage, request.method);
  if (resolution.kind === 'not-found') throw new VitrailError('VITRAIL_MEDIA_NOT_FOUND', { id });
  const media = resolution.media;
  // The plain public URL is cached by media id; a URL with a query, below, by the URL.
  if (ticket !== undefined && variantQuery === undefined && Object.keys(request.query ?? {}).length === 0) {
    options.publicPath?.remember(media, ticket);
  }

  // Only images the processor decoded have variants; any other media is served whole.
  const query = variantQuery !== undefined && media.thumbnail_sha256 !== null ? variantQuery : request.query;
  const served = await resolveServedContent(media, query as Record<string, unknown>, options);
  if (ticket !== undefined && variantQuery === undefined && query === request.query && Object.keys(query ?? {}).length > 0) {
    options.publicPath?.rememberVariant(request, media, served, ticket, { countsFetch: true });
  }
  const plan = planResponse(served.representation, readConditions(request));
  reply.code(plan.status).headers(plan.headers);
  if (plan.body === null) return reply.send();
  return reply.send(await served.open(plan.body));
}

export function readConditions(request: FastifyRequest): RequestConditions {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    method: request.method === 'HEAD' ? 'HEAD' : 'GET',
    ifMatch: header('if-match'),
    ifNoneMatch: header('if-none-match'),
    ifModifiedSince: header('if-modified-since'),
    ifUnmodifiedSince: header('if-unmodified-since'),
    range: header('range'),
    ifRange: header('if-range'),
  };
}
