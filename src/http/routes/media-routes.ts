import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { VitrailError } from '../../errors/catalogue.js';
import { MAX_ALT_LENGTH, MAX_FOLDER_LENGTH, MAX_PAGE_SIZE, VISIBILITIES, type MediaService, type NewMediaFields } from '../../media/media-service.js';
import { MEDIA_KINDS, MEDIA_SORTS, type MediaKind, type MediaSort } from '../../db/repositories/media-repository.js';
import type { UserService } from '../../auth/user-service.js';
import { toMediaView } from '../../media/media-view.js';
import type { PublicLinks } from '../../media/public-links.js';
import type { MediaRow } from '../../db/schema.js';
import type { StagedFile } from '../../storage/staging-area.js';
import type { Authenticator } from '../authentication.js';
import { assertMultipart } from '../multipart-request.js';

export interface MediaRoutesOptions {
  readonly media: MediaService;
  readonly authenticator: Authenticator;
  readonly links: PublicLinks;
  /** Resolves who uploaded a media, for the detail of one media. */
  readonly users?: UserService;
}

const UPLOAD_TEXT_FIELDS = new Set(['visibility', 'alt', 'folder']);

const confirmQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { confirm: { type: 'boolean', default: false } },
} as const;

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
    const upload = await readUpload(request, media, UPLOAD_TEXT_FIELDS);
    const newMedia: NewMediaFields = { fileName: upload.fileName, visibility: upload.fields.visibility, alt: upload.fields.alt, folder: upload.fields.folder };
    const row = await media.createMedia(upload.staged, newMedia, principal);
    const body = view(row);
    return reply.code(201).header('location', body.url).send(body);
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string; q?: string; trash: boolean; folder?: string; type?: MediaKind; sort?: MediaSort } }>(
    '/api/v1/media',
    {
      schema: {
        tags: ['media'],
        summary: 'List media or the trash: search, folder and type filters, sort order',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 },
            cursor: { type: 'string', maxLength: 512 },
            q: { type: 'string', maxLength: 200 },
            trash: { type: 'boolean', default: false },
            folder: { type: 'string', maxLength: MAX_FOLDER_LENGTH * 4 },
            type: { type: 'string', enum: [...MEDIA_KINDS] },
            sort: { type: 'string', enum: [...MEDIA_SORTS] },
          },
        },
      },
    },
    async (request) => {
      const principal = await authenticator.require(request);
      const page = await media.listMedia(
        {
          trashed: request.query.trash,
          search: request.query.q,
          limit: request.query.limit,
          cursor: request.query.cursor,
          folder: request.query.folder,
          type: request.query.type,
          sort: request.query.sort,
        },
        principal,
      );
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/media/:id', { schema: { tags: ['media'], summary: 'Read a media, with recentFetches: anonymous fetches over the last 7 days', params: idParams } }, async (request) => {
    const principal = await authenticator.require(request);
    const row = await media.getMedia(request.params.id, principal);
    // Shown before a deletion or a change to private, which would break the mails that fetched it.
    const recentFetches = await media.countRecentFetches(row.id, principal);
    const uploader = row.created_by === null || options.users === undefined ? null : await options.users.requireUserById(row.created_by);
    return { ...view(row), recentFetches, uploader: uploader === null ? null : { id: uploader.id, email: uploader.email } };
  });

  app.get('/api/v1/folders', { schema: { tags: ['media'], summary: 'List the folders in use, with their media counts' } }, async (request) => {
    const principal = await authenticator.require(request);
    return { items: await media.listFolders(principal) };
  });

  app.patch<{ Params: { id: string }; Body: { name?: string; alt?: string; visibility?: string; publishOriginal?: boolean; folder?: string }; Querystring: { confirm: boolean } }>(
    '/api/v1/media/:id',
    {
      schema: {
        tags: ['media'],
        summary: 'Rename, change the alt text, the visibility or the folder; the URL stays',
        description:
          'Making private a public media that readers fetched over the last days answers 409 VITRAIL_MEDIA_RECENTLY_FETCHED unless confirm=true.',
        params: idParams,
        querystring: confirmQuery,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 1000 },
            alt: { type: 'string', maxLength: MAX_ALT_LENGTH * 4 },
            visibility: { type: 'string', enum: [...VISIBILITIES] },
            publishOriginal: { type: 'boolean', description: 'true makes the public URL serve the original instead of the mail-ready rendition' },
            folder: { type: 'string', maxLength: MAX_FOLDER_LENGTH * 4 },
          },
        },
      },
    },
    async (request) => {
      const principal = await authenticator.require(request);
      return view(await media.updateMedia(request.params.id, request.body, principal, { confirmed: request.query.confirm }));
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { confirm: boolean; permanent: boolean } }>(
    '/api/v1/media/:id',
    {
      schema: {
        tags: ['media'],
        summary: 'Move a media to the trash, or purge it at once (admins, permanent=true)',
        description:
          'A public media fetched by readers over the last days answers 409 VITRAIL_MEDIA_RECENTLY_FETCHED unless confirm=true. ' +
          'With permanent=true, every version and derived image is removed and the URL answers 410 for good.',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { confirm: { type: 'boolean', default: false }, permanent: { type: 'boolean', default: false } },
        },
      },
    },
    async (request) => {
      const principal = await authenticator.require(request);
      const confirmation = { confirmed: request.query.confirm };
      if (request.query.permanent) {
        const result = await media.purgeMedia(request.params.id, principal, confirmation);
        return { id: result.mediaId, purged: true, blobsDeleted: result.blobsDeleted };
      }
      return view(await media.trashMedia(request.params.id, principal, confirmation));
    },
  );

  app.post<{ Params: { id: string } }>('/api/v1/media/:id/restore', { schema: { tags: ['media'], summary: 'Restore a media from the trash', params: idParams } }, async (request) => {
    const principal = await authenticator.require(request);
    return view(await media.restoreMedia(request.params.id, principal));
  });
}

/** A multipart upload received in full: the staged file and the text fields beside it. */
export interface ReceivedUpload {
  readonly staged: StagedFile;
  readonly fileName: string;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Reads a multipart upload in whatever order its parts come: the file streams to the staging area while
 * text fields are collected. The caller owns the staged file once this returns.
 */
export async function readUpload(request: FastifyRequest, media: MediaService, textFields: ReadonlySet<string>): Promise<ReceivedUpload> {
  assertMultipart(request);

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
      if (!textFields.has(part.fieldname)) {
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
  return { staged, fileName, fields };
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
