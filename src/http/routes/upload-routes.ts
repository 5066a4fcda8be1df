import type { FastifyInstance } from 'fastify';

import type { ResumableUploads } from '../../media/resumable-uploads.js';
import type { Authenticator } from '../authentication.js';
import { REQUEST_ID_HEADER } from '../request-ids.js';

export interface UploadRoutesOptions {
  readonly uploads: ResumableUploads;
  readonly authenticator: Authenticator;
}

/** Base path of the tus endpoint; each upload lives at `<base>/<upload id>`. */
export const RESUMABLE_UPLOADS_PATH = '/api/v1/uploads';

/**
 * Serves the tus endpoint. Fastify authenticates the request and checks the CSRF token of a session, then
 * hands the raw request to the tus server, which reads the body itself. The content type parser below
 * leaves the stream untouched for it, whatever its type, JSON included, because the tus server rejects a
 * wrong one itself.
 */
export async function uploadRoutes(app: FastifyInstance, options: UploadRoutesOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  for (const url of [RESUMABLE_UPLOADS_PATH, `${RESUMABLE_UPLOADS_PATH}/*`]) {
    app.route({
      method: ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
      url,
      exposeHeadRoute: false,
      schema: { tags: ['uploads'], summary: 'Resumable upload through the tus 1.0 protocol; a finished upload answers with the media' },
      handler: async (request, reply) => {
        // OPTIONS only describes the server (tus version, extensions, size limit), as clients ask before
        // they authenticate; every other method needs a user.
        const principal = request.method === 'OPTIONS' ? null : await options.authenticator.require(request);
        // Headers given to Fastify's reply do not reach a hijacked response.
        reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
        reply.hijack();
        await options.uploads.handle(request.raw, reply.raw, principal);
      },
    });
  }
}
