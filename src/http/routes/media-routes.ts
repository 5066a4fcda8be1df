import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { Principal } from '../../auth/principal.js';
import { VitrailError } from '../../errors/catalogue.js';
import { MAX_ALT_LENGTH, MAX_PAGE_SIZE, VISIBILITIES, type MediaService, type NewMediaFields } from '../../media/media-service.js';
import { toMediaView } from '../../media/media-view.js';
import type { PublicLinks } from '../../media/public-links.js';
import type { MediaRow } from '../../db/schema.js';
import type { StagedFile } from '../../storage/staging-area.js';
import type { Authenticator } from '../authentication.js';

export interface MediaRoutesOptions {
  readonly media: MediaService;
  readonly authenticator: Authenticator;
  readonly links: PublicLinks;
}

const UPLOAD_TEXT_FIELDS = new Set(['visibility', 'alt']);

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/** Registers the media API: upload, list and search, read, change, trash and restore. */
export async function mediaRoutes(app: FastifyInstance, options: MediaRoutesOptions): Promise<void> {
  const { media, authenticator, links } = options;
  const view = (row: MediaRow) => toMediaView(row, links);

  app.post(
    '/api/v1/media',
    {
      schema: {
        tags: ['media'],
        summary: 'Upload a media',
        description:
          'multipart/form-data with one file in the field "file", and optional fields "visibility" (public or private) and "alt". Answers 201 with the media.',
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
    const principal = await authenticator.require(request);
    const row = await receiveUpload(request, media, principal);
    const body = view(row);
    return reply.code(201).header('location', body.url).send(body);
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string; q?: string; trash: boolean } }>(
    '/api/v1/media',
    {
      schema: {
        tags: ['media'],
        summary: 'List media, newest first, or the trash',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 },
            cursor: { type: 'string', maxLength: 512 },
            q: { type: 'string', maxLength: 200 },
            trash: { type: 'boolean', default: false },
          },
        },
      },
    },
    async (request) => {
      const principal = await authenticator.require(request);
      const page = await media.listMedia(
        { trashed: request.query.trash, search: request.query.q, limit: request.query.limit, cursor: request.query.cursor },
        principal,
      );
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/media/:id', { schema: { tags: ['media'], summary: 'Read a media', params: idParams } }, async (request) => {
    const principal = await authenticator.require(request);
    return view(await media.getMedia(request.params.id, principal));
  });

  app.patch<{ Params: { id: string }; Body: { name?: string; alt?: string; visibility?: string } }>(
    '/api/v1/media/:id',
    {
      schema: {
        tags: ['media'],
        summary: 'Rename, change the alt text or the visibility; the URL stays',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 1000 },
            alt: { type: 'string', maxLength: MAX_ALT_LENGTH * 4 },
            visibility: { type: 'string', enum: [...VISIBILITIES] },
          },
        },
      },
    },
    async (request) => {
      const principal = await authenticator.require(request);
      return view(await media.updateMedia(request.params.id, request.body, principal));
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/media/:id', { schema: { tags: ['media'], summary: 'Move a media to the trash', params: idParams } }, async (request) => {
    const principal = await authenticator.require(request);
    return view(await media.trashMedia(request.params.id, principal));
  });

  app.post<{ Params: { id: string } }>('/api/v1/media/:id/restore', { schema: { tags: ['media'], summary: 'Restore a media from the trash', params: idParams } }, async (request) => {
    const principal = await authenticator.require(request);
    return view(await media.restoreMedia(request.params.id, principal));
  });
}

/**
 * Reads a multipart upload in whatever order its parts come: the file streams to the staging area while
 * text fields are collected, and the media is created once the whole body has arrived.
 */
async function receiveUpload(request: FastifyRequest, media: MediaService, principal: Principal) {
  if (!request.isMultipart()) {
    throw new VitrailError('VITRAIL_REQUEST_CONTENT_TYPE', {
      expected: 'multipart/form-data with the file in the field "file"',
      received: request.headers['content-type'] ?? 'none',
    });
  }

  let staged: StagedFile | undefined;
  let fileName = '';
  const fields: Record<string, string> = {};
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw await rejectPart(part, new VitrailError('VITRAIL_UPLOAD_UNKNOWN_FIELD', { field: part.fieldname }));
        if (staged !== undefined) throw await rejectPart(part, new VitrailError('VITRAIL_UPLOAD_TOO_MANY_FILES'));
        fileName = part.filename;
        staged = await media.receiveUpload(part.file);
        if (part.file.truncated) throw media.tooLargeError();
        continue;
      }
      if (!UPLOAD_TEXT_FIELDS.has(part.fieldname)) {
        throw new VitrailError('VITRAIL_UPLOAD_UNKNOWN_FIELD', { field: part.fieldname });
      }
      if (part.valueTruncated) {
        throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: `the field "${part.fieldname}" is too long` });
      }
      fields[part.fieldname] = String(part.value);
    }
  } catch (error) {
    if (staged !== undefined) await media.discardUpload(staged);
    throw toUploadError(error);
  }

  if (staged === undefined) throw new VitrailError('VITRAIL_UPLOAD_FILE_MISSING');
  const newMedia: NewMediaFields = { fileName, visibility: fields.visibility, alt: fields.alt };
  return media.createMedia(staged, newMedia, principal);
}

/** Drains a file part that will not be stored, so the parser can finish, then returns the error to throw. */
async function rejectPart(part: MultipartFile, error: VitrailError): Promise<VitrailError> {
  part.file.resume();
  return error;
}

/**
 * Errors thrown by busboy itself are plain Errors with no code, for a body that does not follow
 * multipart/form-data (no boundary, truncated part headers, an unexpected end).
 */
function toUploadError(error: unknown): unknown {
  if (error instanceof VitrailError) return error;
  const candidate = error as { code?: unknown; message?: unknown } | null;
  if (candidate !== null && typeof candidate === 'object' && candidate.code === undefined && typeof candidate.message === 'string') {
    return new VitrailError('VITRAIL_UPLOAD_MALFORMED', { reason: candidate.message.replace(/\.$/, '').toLowerCase() }, { cause: error });
  }
  return error;
}
