import { readFile } from 'node:fs/promises';

import type { FastifyInstance } from 'fastify';

import type { MailExternalizer } from '../../mail/mail-externalizer.js';
import type { MediaService } from '../../media/media-service.js';
import type { Authenticator } from '../authentication.js';
import { receiveDocumentUpload } from '../document-upload.js';

export interface ExternalizeRoutesOptions {
  readonly externalizer: MailExternalizer;
  readonly media: MediaService;
  readonly authenticator: Authenticator;
}

/**
 * `POST /api/v1/externalize`: a mailing's HTML or .eml in the field "file" comes back lighter, in JSON with
 * the weight before and after and each image moved. `content` is the rewritten file as text, because both
 * HTML and a MIME message are text.
 */
export async function externalizeRoutes(app: FastifyInstance, options: ExternalizeRoutesOptions): Promise<void> {
  const { externalizer, media, authenticator } = options;

  app.post(
    '/api/v1/externalize',
    {
      schema: {
        tags: ['mail'],
        summary: 'Make a mailing lighter by moving its embedded images to public media',
        description:
          'multipart/form-data with an HTML file or a whole .eml message in the field "file". Answers 200 with kind, content ' +
          '(the lighter file as text), bytesBefore, bytesAfter, dimensionsAdded and images (reference, url, mediaId, bytes, reused).',
        consumes: ['multipart/form-data'],
      },
    },
    async (request) => {
      const principal = await authenticator.require(request);
      const upload = await receiveDocumentUpload(request, media, []);
      try {
        const bytes = await readFile(upload.staged.path);
        const report = await externalizer.externalizeMail({ bytes, fileName: upload.fileName }, principal);
        return {
          kind: report.kind,
          contentType: report.kind === 'eml' ? 'message/rfc822' : 'text/html; charset=utf-8',
          content: report.output.toString('utf8'),
          bytesBefore: report.bytesBefore,
          bytesAfter: report.bytesAfter,
          dimensionsAdded: report.dimensionsAdded,
          images: report.images,
        };
      } finally {
        await media.discardUpload(upload.staged);
      }
    },
  );
}
