import type { FastifyInstance } from 'fastify';

import type { MediaRow } from '../../db/schema.js';
import { chooseEditorLanguage } from '../../integrations/editor-language.js';
import { receiveEditorUpload } from '../../integrations/editor-uploads.js';
import { toInsertedImage } from '../../integrations/inserted-image.js';
import { MOSAICO_THUMBNAIL_WIDTH, mosaicoFile, mosaicoRejectedFile, type MosaicoFile } from '../../integrations/mosaico.js';
import { mosaicoProcessorUrl } from '../../integrations/mosaico-image-request.js';
import { MAX_PAGE_SIZE, type MediaService } from '../../media/media-service.js';
import type { PublicLinks } from '../../media/public-links.js';
import type { Authenticator } from '../authentication.js';
import { toEditorFailure } from '../editor-failures.js';
import { requireUploader } from './ckeditor-routes.js';

export interface MosaicoRoutesOptions {
  readonly media: MediaService;
  readonly authenticator: Authenticator;
  readonly links: PublicLinks;
  readonly maxUploadBytes: number;
}

/** Field in which Mosaico's uploader (jQuery File Upload) posts its files. */
const MOSAICO_FIELD = 'files[]';
/** Most files in one Mosaico upload: a drop of a whole folder is split by the user, not half-stored. */
export const MOSAICO_MAX_FILES = 20;
/** Most images the gallery lists, newest first: Mosaico shows the whole list at once, without paging. */
export const MOSAICO_GALLERY_SIZE = 200;
/** Most library pages read to fill the gallery, so a library of documents cannot make one request slow. */
const MOSAICO_GALLERY_MAX_PAGES = 25;

/**
 * Mosaico's upload and gallery endpoint: POST stores one or more images, GET lists the public images, both
 * authenticated by an API token in the Authorization header. Each file of a POST succeeds or fails alone.
 */
export async function mosaicoRoutes(app: FastifyInstance, options: MosaicoRoutesOptions): Promise<void> {
  const { media, authenticator, links, maxUploadBytes } = options;
  const describe = (row: MediaRow): MosaicoFile => {
    const image = toInsertedImage(row, links);
    return mosaicoFile(image, mosaicoProcessorUrl(links.base, image.url, 'resize', MOSAICO_THUMBNAIL_WIDTH, null));
  };

  app.post(
    '/mosaico/upload',
    { schema: { tags: ['integrations'], summary: 'Mosaico upload (jQuery File Upload protocol)', consumes: ['multipart/form-data'] } },
    async (request, reply) => {
      const language = chooseEditorLanguage(undefined, request.headers['accept-language']);
      try {
        const principal = await requireUploader(request, authenticator);
        const outcomes = await receiveEditorUpload(request, media, principal, { field: MOSAICO_FIELD, maxFiles: MOSAICO_MAX_FILES });
        const files = outcomes.map((outcome) => {
          if (outcome.kind === 'stored') return describe(outcome.media);
          const failure = toEditorFailure(outcome.error, request, { language, maxUploadBytes, fileName: outcome.fileName });
          return mosaicoRejectedFile(outcome.fileName, outcome.size, failure.message);
        });
        return reply.code(200).send({ files });
      } catch (error) {
        const failure = toEditorFailure(error, request, { language, maxUploadBytes });
        return reply.code(failure.status).send({ files: [], error: { code: failure.code, message: failure.message } });
      }
    },
  );

  app.get(
    '/mosaico/upload',
    { schema: { tags: ['integrations'], summary: 'Mosaico gallery: the public images, newest first' } },
    async (request, reply) => {
      const language = chooseEditorLanguage(undefined, request.headers['accept-language']);
      try {
        const principal = await requireUploader(request, authenticator);
        const rows = await listPublicImages(media, principal);
        return reply.code(200).send({ files: rows.map(describe) });
      } catch (error) {
        const failure = toEditorFailure(error, request, { language, maxUploadBytes });
        return reply.code(failure.status).send({ files: [], error: { code: failure.code, message: failure.message } });
      }
    },
  );
}

/** Pages through the library until the gallery is full: only public raster images can go into a mail. */
async function listPublicImages(media: MediaService, principal: Parameters<MediaService['listMedia']>[1]): Promise<MediaRow[]> {
  const images: MediaRow[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    pages += 1;
    const page = await media.listMedia({ trashed: false, limit: MAX_PAGE_SIZE, cursor }, principal);
    for (const row of page.items) {
      if (row.visibility === 'public' && row.mime.startsWith('image/') && row.mime !== 'image/svg+xml') images.push(row);
      if (images.length === MOSAICO_GALLERY_SIZE) return images;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && pages < MOSAICO_GALLERY_MAX_PAGES);
  return images;
}
