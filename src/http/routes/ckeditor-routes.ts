import type { FastifyInstance, FastifyRequest } from 'fastify';

import { accessPolicy } from '../../auth/access-policy.js';
import type { Principal } from '../../auth/principal.js';
import { VitrailError } from '../../errors/catalogue.js';
import { ckeditor4Failure, ckeditor4Success, isCkeditor4FormMode, type Ckeditor4Query } from '../../integrations/ckeditor4.js';
import { ckeditor5Failure, ckeditor5Success } from '../../integrations/ckeditor5.js';
import { chooseEditorLanguage, type EditorLanguage } from '../../integrations/editor-language.js';
import { receiveEditorUpload } from '../../integrations/editor-uploads.js';
import { toInsertedImage, type InsertedImage } from '../../integrations/inserted-image.js';
import type { MediaService } from '../../media/media-service.js';
import type { PublicLinks } from '../../media/public-links.js';
import type { Authenticator } from '../authentication.js';
import { toEditorFailure, type EditorFailure } from '../editor-failures.js';

export interface EditorRoutesOptions {
  readonly media: MediaService;
  readonly authenticator: Authenticator;
  readonly links: PublicLinks;
  readonly maxUploadBytes: number;
}

/** Field in which both CKEditor 4 and CKEditor 5 post the file. */
const CKEDITOR_FIELD = 'upload';

/**
 * CKEditor 4 and 5 upload endpoints, under the integrations prefix. Both take one image in the multipart
 * field `upload`, authenticated by an API token in the Authorization header, and respond in the editor's
 * own JSON shape, errors included, so the editor shows Vitrail's message to its user.
 */
export async function ckeditorRoutes(app: FastifyInstance, options: EditorRoutesOptions): Promise<void> {
  app.post<{ Querystring: Ckeditor4Query }>(
    '/ckeditor4/upload',
    { schema: { tags: ['integrations'], summary: 'CKEditor 4 upload (XHR mode, JSON response)', consumes: ['multipart/form-data'] } },
    async (request, reply) => {
      const query = request.query;
      const language = chooseEditorLanguage(query.langCode, request.headers['accept-language']);
      const result = await uploadOneImage(request, options, () => {
        if (isCkeditor4FormMode(query)) throw new VitrailError('VITRAIL_CKEDITOR4_FORM_MODE');
      }, language);
      // CKEditor 4 (checked against 4.22.1) reads the body only of a 2xx response: for any other status it
      // shows its own "HTTP error" text. Failures are therefore sent with 200 so that the user reads
      // Vitrail's message. The body contains `uploaded: 0`, and the X-Vitrail-Status header carries the real status.
      if (result.kind === 'failed') {
        return reply
          .code(200)
          .header('x-vitrail-status', String(result.failure.status))
          .send(ckeditor4Failure(result.failure.code, result.failure.message));
      }
      return reply.code(200).send(ckeditor4Success(result.image));
    },
  );

  app.post(
    '/ckeditor5/upload',
    { schema: { tags: ['integrations'], summary: 'CKEditor 5 SimpleUploadAdapter upload', consumes: ['multipart/form-data'] } },
    async (request, reply) => {
      const language = chooseEditorLanguage(undefined, request.headers['accept-language']);
      const result = await uploadOneImage(request, options, () => undefined, language);
      if (result.kind === 'failed') return reply.code(result.failure.status).send(ckeditor5Failure(result.failure.code, result.failure.message));
      return reply.code(200).send(ckeditor5Success(result.image));
    },
  );
}

type UploadResult = { readonly kind: 'stored'; readonly image: InsertedImage } | { readonly kind: 'failed'; readonly failure: EditorFailure };

async function uploadOneImage(
  request: FastifyRequest,
  options: EditorRoutesOptions,
  checkRequest: () => void,
  language: EditorLanguage,
): Promise<UploadResult> {
  const context = { language, maxUploadBytes: options.maxUploadBytes };
  try {
    checkRequest();
    const principal = await requireUploader(request, options.authenticator);
    const [outcome] = await receiveEditorUpload(request, options.media, principal, { field: CKEDITOR_FIELD, maxFiles: 1 });
    if (outcome === undefined) throw new VitrailError('VITRAIL_EDITOR_FILE_MISSING', { field: CKEDITOR_FIELD });
    if (outcome.kind === 'rejected') {
      return { kind: 'failed', failure: toEditorFailure(outcome.error, request, { ...context, fileName: outcome.fileName }) };
    }
    return { kind: 'stored', image: toInsertedImage(outcome.media, options.links) };
  } catch (error) {
    return { kind: 'failed', failure: toEditorFailure(error, request, context) };
  }
}

/**
 * Authenticates an editor's request by the API token of its Authorization header, and checks its right to
 * upload, before any byte is read. A request without that header is rejected even if it carries a
 * session cookie: editors run on another site's pages, and a cookie would let that site act as whoever
 * is logged in to Vitrail in the same browser.
 */
export async function requireUploader(request: FastifyRequest, authenticator: Authenticator): Promise<Principal> {
  if ((request.headers.authorization ?? '').trim() === '') throw new VitrailError('VITRAIL_AUTH_REQUIRED');
  const principal = await authenticator.require(request);
  if (!accessPolicy.can(principal, 'upload media')) throw new VitrailError('VITRAIL_FORBIDDEN', { action: 'upload media' });
  return principal;
}
