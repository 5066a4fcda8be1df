import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { DEFAULT_PUBLIC_PREFIX, DRUPAL_PRIVATE_PREFIX } from '../../drupal/drupal-paths.js';
import type { LegacyUrlResolver } from '../../drupal/legacy-urls.js';
import { VitrailError } from '../../errors/catalogue.js';
import { sendGone } from '../../serving/gone.js';
import { describeMedia } from '../../serving/representation.js';
import { planResponse } from '../../serving/response-plan.js';
import type { MediaDerivedBlobRow } from '../../db/schema.js';
import type { StyleSize } from '../../drupal/image-styles.js';
import { readConditions, serveMedia, type PublicMediaRoutesOptions } from './public-media-routes.js';

export interface LegacyRoutesOptions extends PublicMediaRoutesOptions {
  readonly resolver: LegacyUrlResolver;
  /** Public path prefixes recorded by imports; the default Drupal prefix is always served. */
  readonly publicPrefixes: readonly string[];
}

/**
 * Old Drupal URLs of imported files, served like `/m/<id>` so that links in mails sent from the old site
 * keep working. Private files (`/system/files/…`) are served only to users who may read private media,
 * never anonymously. A prefix recorded by an import made while the server runs is served after a restart.
 */
export async function legacyRoutes(app: FastifyInstance, options: LegacyRoutesOptions): Promise<void> {
  const prefixes = new Set([DEFAULT_PUBLIC_PREFIX, ...options.publicPrefixes]);
  prefixes.delete(DRUPAL_PRIVATE_PREFIX);
  for (const prefix of prefixes) {
    app.route({
      method: ['GET', 'HEAD'],
      url: `${prefix}/*`,
      exposeHeadRoute: false,
      handler: (request, reply) => serveLegacy(prefix, request, reply, options),
    });
  }
  app.route({
    method: ['GET', 'HEAD'],
    url: `${DRUPAL_PRIVATE_PREFIX}/*`,
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const principal = await options.authenticator.optional(request);
      if (principal === null) throw new VitrailError('VITRAIL_ROUTE_NOT_FOUND', { method: request.method, path: pathOf(request) });
      return serveLegacy(DRUPAL_PRIVATE_PREFIX, request, reply, options);
    },
  });
}

async function serveLegacy(prefix: string, request: FastifyRequest, reply: FastifyReply, options: LegacyRoutesOptions): Promise<FastifyReply> {
  const rawPath = pathOf(request).slice(prefix.length + 1);
  const target = await options.resolver.resolve(prefix, rawPath);
  const noRoute = () => new VitrailError('VITRAIL_ROUTE_NOT_FOUND', { method: request.method, path: pathOf(request) });
  if (target.kind === 'not-found') throw noRoute();
  try {
    if (target.kind === 'media') {
      return await serveMedia(target.mediaId, request, reply, options, target.styleSize === undefined ? undefined : styleVariantQuery(target.styleSize));
    }
    return await serveDerived(target.mediaId, target.blob, request, reply, options);
  } catch (error) {
    // A media the request may not read gets the same 404 as a path that leads nowhere, so an old URL
    // reveals neither that a private file is behind it nor that file's media id.
    if (error instanceof VitrailError && error.code === 'VITRAIL_MEDIA_NOT_FOUND') throw noRoute();
    throw error;
  }
}

/** Builds the public URL parameters of a variant that fits a style's box, never enlarged, as Drupal's "scale" does. */
function styleVariantQuery(size: StyleSize): Record<string, string> {
  const query: Record<string, string> = { fit: 'inside' };
  if (size.width !== undefined) query.w = String(size.width);
  if (size.height !== undefined) query.h = String(size.height);
  return query;
}

/** Serves a derived image under the access rules and trash state of its media. */
async function serveDerived(
  mediaId: string,
  blob: MediaDerivedBlobRow,
  request: FastifyRequest,
  reply: FastifyReply,
  options: LegacyRoutesOptions,
): Promise<FastifyReply> {
  const principal = await options.authenticator.optional(request);
  const resolution = await options.media.resolvePublicMedia(mediaId, principal);
  if (resolution.kind === 'gone') return sendGone(reply, mediaId, true, request.method);
  if (resolution.kind === 'not-found') throw new VitrailError('VITRAIL_MEDIA_NOT_FOUND', { id: mediaId });

  const representation = describeMedia({ ...blob, name: resolution.media.name, visibility: resolution.media.visibility });
  const plan = planResponse(representation, readConditions(request));
  reply.code(plan.status).headers(plan.headers);
  if (plan.body === null) return reply.send();
  return reply.send(await options.blobs.openRead(blob.sha256, plan.body));
}

/** Returns the request's path as sent, still percent-encoded, without the query string, so Drupal's itok is ignored. */
function pathOf(request: FastifyRequest): string {
  const url = request.url;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
