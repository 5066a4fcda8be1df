import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { VitrailError } from '../../errors/catalogue.js';
import type { MediaService } from '../../media/media-service.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { describeMedia, PRIVATE_CACHE_CONTROL, type Representation } from '../../serving/representation.js';
import { planResponse } from '../../serving/response-plan.js';
import type { Authenticator } from '../authentication.js';
import { readConditions } from './public-media-routes.js';

export interface MediaContentRoutesOptions {
  readonly media: MediaService;
  readonly blobs: BlobStore;
  readonly authenticator: Authenticator;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/**
 * Bytes for the people who edit media: the original as uploaded, whatever the public URL serves, and the
 * thumbnail the web interface shows. Both need authentication and are never cached by shared caches.
 */
export async function mediaContentRoutes(app: FastifyInstance, options: MediaContentRoutesOptions): Promise<void> {
  const { media, blobs, authenticator } = options;

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/media/:id/original',
    exposeHeadRoute: false,
    schema: {
      tags: ['media'],
      summary: 'Download the original bytes as uploaded',
      description: 'For images, the public URL serves a mail-ready rendition; this route returns the upload itself. Supports ETag, Range and HEAD.',
      params: idParams,
    },
    handler: async (request: IdRequest, reply) => {
      const row = await media.getMedia(request.params.id, await authenticator.require(request));
      return sendBlob(request, reply, blobs, row.sha256, privately(describeMedia(row)));
    },
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/media/:id/thumbnail',
    exposeHeadRoute: false,
    schema: {
      tags: ['media'],
      summary: 'Download the thumbnail of an image',
      description: 'A WebP of at most 320×320 pixels, made at upload. 404 VITRAIL_MEDIA_NO_THUMBNAIL for other files.',
      params: idParams,
    },
    handler: async (request: IdRequest, reply) => {
      const row = await media.getMedia(request.params.id, await authenticator.require(request));
      const info = row.thumbnail_sha256 === null ? null : await blobs.stat(row.thumbnail_sha256);
      if (info === null || row.thumbnail_mime === null) throw new VitrailError('VITRAIL_MEDIA_NO_THUMBNAIL', { id: row.id });
      const representation = describeMedia({
        ...row,
        sha256: info.sha256,
        size: info.size,
        mime: row.thumbnail_mime,
        name: `${row.name.replace(/\.[^.]*$/, '')}-thumbnail.webp`,
      });
      return sendBlob(request, reply, blobs, info.sha256, privately(representation));
    },
  });
}

function privately(representation: Representation): Representation {
  return { ...representation, headers: { ...representation.headers, 'cache-control': PRIVATE_CACHE_CONTROL } };
}

async function sendBlob(
  request: FastifyRequest,
  reply: FastifyReply,
  blobs: BlobStore,
  sha256: string,
  representation: Representation,
): Promise<FastifyReply> {
  const plan = planResponse(representation, readConditions(request));
  reply.code(plan.status).headers(plan.headers);
  if (plan.body === null) return reply.send();
  return reply.send(await blobs.openRead(sha256, plan.body));
}
