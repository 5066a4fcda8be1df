import type { FastifyInstance } from 'fastify';

import type { MediaVersionRow } from '../../db/schema.js';
import type { MediaService } from '../../media/media-service.js';
import { toMediaView } from '../../media/media-view.js';
import type { PublicLinks } from '../../media/public-links.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { describeMedia } from '../../serving/representation.js';
import { planResponse } from '../../serving/response-plan.js';
import type { Authenticator } from '../authentication.js';
import { readUpload } from './media-routes.js';
import { readConditions } from './public-media-routes.js';

export interface MediaVersionRoutesOptions {
  readonly media: MediaService;
  readonly blobs: BlobStore;
  readonly authenticator: Authenticator;
  readonly links: PublicLinks;
}

/** An earlier content of a media as the API returns it. */
export interface MediaVersionView {
  readonly version: number;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly sha256: string;
  readonly width: number | null;
  readonly height: number | null;
  /** When this content became current. */
  readonly storedAt: string;
  readonly replacedAt: string;
  /** Download URL, for editors only: an earlier content is never public. */
  readonly url: string;
}

const NO_TEXT_FIELDS: ReadonlySet<string> = new Set();

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const versionParams = {
  type: 'object',
  required: ['id', 'version'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, version: { type: 'integer', minimum: 1 } },
} as const;

/** Replacement of a media's content, and the earlier versions it leaves behind. */
export async function mediaVersionRoutes(app: FastifyInstance, options: MediaVersionRoutesOptions): Promise<void> {
  const { media, blobs, authenticator, links } = options;
  const versionView = (mediaId: string, row: MediaVersionRow): MediaVersionView => ({
    version: row.version,
    name: row.name,
    mime: row.mime,
    size: Number(row.size),
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    storedAt: row.stored_at,
    replacedAt: row.replaced_at,
    url: `${links.base}/api/v1/media/${mediaId}/versions/${row.version}/content`,
  });

  const replaceSchema = {
    tags: ['media'],
    summary: 'Replace the content of a media; its URL stays and serves the new bytes',
    description:
      'multipart/form-data with one file in the field "file". The upload checks of POST /api/v1/media apply. ' +
      'The previous content stays as a version, listed by GET /api/v1/media/{id}/versions.',
    consumes: ['multipart/form-data'],
    params: idParams,
  };
  app.put<{ Params: { id: string } }>('/api/v1/media/:id/content', { schema: replaceSchema }, async (request) => {
    const principal = await authenticator.require(request);
    const upload = await readUpload(request, media, NO_TEXT_FIELDS);
    return toMediaView(await media.replaceContent(request.params.id, upload.staged, upload.fileName, principal), links);
  });

  const listSchema = { tags: ['media'], summary: 'List the earlier versions of a media, newest first', params: idParams };
  app.get<{ Params: { id: string } }>('/api/v1/media/:id/versions', { schema: listSchema }, async (request) => {
    const principal = await authenticator.require(request);
    const rows = await media.listVersions(request.params.id, principal);
    return { items: rows.map((row) => versionView(request.params.id, row)) };
  });

  app.route<{ Params: { id: string; version: number } }>({
    method: ['GET', 'HEAD'],
    url: '/api/v1/media/:id/versions/:version/content',
    exposeHeadRoute: false,
    schema: { tags: ['media'], summary: 'Download an earlier version of a media (editors only)', params: versionParams },
    handler: async (request, reply) => {
      const principal = await authenticator.require(request);
      const row = await media.getVersion(request.params.id, request.params.version, principal);
      const representation = describeMedia({ ...row, visibility: 'private', created_at: row.stored_at });
      const plan = planResponse(representation, readConditions(request));
      reply.code(plan.status).headers(plan.headers);
      if (plan.body === null) return reply.send();
      return reply.send(await blobs.openRead(row.sha256, plan.body));
    },
  });
}
