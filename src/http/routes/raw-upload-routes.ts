import type { FastifyInstance, FastifyRequest } from 'fastify';

import { VitrailError } from '../../errors/catalogue.js';
import { cleanAlt, cleanFolder, MAX_ALT_LENGTH, MAX_FOLDER_LENGTH, parseVisibility, VISIBILITIES, type MediaService } from '../../media/media-service.js';
import { toMediaView } from '../../media/media-view.js';
import type { PublicLinks } from '../../media/public-links.js';
import type { Authenticator } from '../authentication.js';

export interface RawUploadRoutesOptions {
  readonly media: MediaService;
  readonly authenticator: Authenticator;
  readonly links: PublicLinks;
  /** VITRAIL_MAX_UPLOAD_BYTES, to reject a declared Content-Length over it before reading the body. */
  readonly maxUploadBytes: number;
}

/** Path of the raw-body upload; the last segment is the file name, as `curl -T file <path>/` sends it. */
export const RAW_UPLOAD_PATH = '/api/v1/media/files';

interface RawUploadQuery {
  readonly visibility?: string;
  readonly alt?: string;
  readonly folder?: string;
}

/**
 * Registers the raw-body upload: the request body is the file itself, with no multipart envelope, so a
 * client streams a large file without encoding it and the server writes it without parsing boundaries.
 * Each request creates a new media, as POST /api/v1/media does: the name segment names the file, it is
 * not a resource that a second request would overwrite. Runs in its own plugin so that its catch-all
 * content type parser leaves the body unread for every type, without touching the other routes.
 */
export async function rawUploadRoutes(app: FastifyInstance, options: RawUploadRoutesOptions): Promise<void> {
  const { media, authenticator, links } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.put<{ Params: { name: string }; Querystring: RawUploadQuery }>(
    `${RAW_UPLOAD_PATH}/:name`,
    {
      schema: {
        tags: ['media'],
        summary: 'Upload a media whose bytes are the request body',
        description:
          'The body is the file, of any Content-Type (the type is detected from the bytes, as for POST /api/v1/media). ' +
          'The last path segment is the file name, percent-encoded. Optional query parameters: visibility, alt, folder. ' +
          'Each request creates a new media and answers 201 with it; the checks and limits of POST /api/v1/media apply. ' +
          'Example: curl -T report.pdf -H "Authorization: Bearer <token>" https://media.example.org/api/v1/media/files/',
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 1000 } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            visibility: { type: 'string', enum: [...VISIBILITIES] },
            alt: { type: 'string', maxLength: MAX_ALT_LENGTH * 4 },
            folder: { type: 'string', maxLength: MAX_FOLDER_LENGTH * 4 },
          },
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticator.require(request);
      // Everything that can be checked without the bytes fails here, before the body is read.
      media.assertMayUpload(principal);
      const { visibility, alt, folder } = request.query;
      if (visibility !== undefined) parseVisibility(visibility);
      if (alt !== undefined) cleanAlt(alt);
      if (folder !== undefined) cleanFolder(folder);
      rejectMultipart(request);
      if (declaredLength(request) > options.maxUploadBytes) throw media.tooLargeError();

      const staged = await media.receiveUpload(request.raw);
      const row = await media.createMedia(staged, { fileName: request.params.name, visibility, alt, folder }, principal);
      const body = toMediaView(row, links);
      return reply.code(201).header('location', body.url).send(body);
    },
  );
}

/**
 * Rejects a multipart body, which would be stored with its envelope: the client most likely meant the
 * multipart route, and the error names it.
 */
function rejectMultipart(request: FastifyRequest): void {
  const type = request.headers['content-type'] ?? '';
  if (!/^multipart\//i.test(type.trim())) return;
  throw new VitrailError('VITRAIL_REQUEST_CONTENT_TYPE', {
    expected: `the file's own bytes (send multipart/form-data to POST /api/v1/media instead)`,
    received: type,
  });
}

/** Returns the request's Content-Length, or 0 for a chunked body; the staging area enforces the limit in both cases. */
function declaredLength(request: FastifyRequest): number {
  const header = request.headers['content-length'];
  return header === undefined ? 0 : Number(header);
}
