import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { VitrailError } from '../../errors/catalogue.js';
import type { ImageVariants } from '../../images/image-variants.js';
import { parseMosaicoImageQuery, type MosaicoImageRequest } from '../../integrations/mosaico-image-request.js';
import { MosaicoPlaceholders } from '../../integrations/mosaico-placeholders.js';
import { mediaIdFromSource } from '../../integrations/mosaico-sources.js';
import type { MediaRow } from '../../db/schema.js';
import type { MediaService } from '../../media/media-service.js';
import type { PublicLinks } from '../../media/public-links.js';
import type { PublicPath } from '../../serving/public-path.js';
import { planResponse } from '../../serving/response-plan.js';
import { resolveServedContent, type ServedContent } from '../../serving/served-content.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { readConditions } from './public-media-routes.js';

export interface MosaicoImageRoutesOptions {
  readonly media: MediaService;
  readonly links: PublicLinks;
  readonly blobs: BlobStore;
  readonly variants: ImageVariants;
  /** Filled with each resized or cropped image served here, so that the next request skips the database. */
  readonly publicPath?: PublicPath;
}

/**
 * Mosaico's image processor (`imgProcessorBackend`), `GET` and `HEAD`. No authentication: its URLs sit in
 * `<img>` tags of templates and sent mails. Sources are public media of this server only. Resized and
 * cropped images are the public path's variants, so they are stored, capped per media and served with
 * the same HTTP rules (ETag, 304, Range, HEAD). They stay valid as long as their source media.
 */
export async function mosaicoImageRoutes(app: FastifyInstance, options: MosaicoImageRoutesOptions): Promise<void> {
  const placeholders = new MosaicoPlaceholders();

  app.route({
    method: ['GET', 'HEAD'],
    url: '/mosaico/img',
    exposeHeadRoute: false,
    schema: { tags: ['integrations'], summary: 'Mosaico image processor: resize, cover, placeholder' },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const imageRequest = parseMosaicoImageQuery(request.query as Record<string, unknown>);
      let content: ServedContent;
      if (imageRequest.method === 'placeholder') {
        content = await placeholders.get(imageRequest.width, imageRequest.height);
      } else {
        const ticket = options.publicPath?.ticket();
        const source = await processSource(imageRequest, options);
        content = source.content;
        // Mosaico's URLs sit in sent mails like public URLs, so a fetch counts for the source media, and
        // hits carry the header fields the editors' CORS set on this reply for a request without Origin.
        options.media.recordAnonymousFetch(source.media.id);
        if (ticket !== undefined) {
          options.publicPath?.rememberVariant(request, source.media, content, ticket, {
            countsFetch: true,
            dependsOnOrigin: true,
            extraFields: corsFieldsOf(reply),
          });
        }
      }
      const plan = planResponse(content.representation, readConditions(request));
      reply.code(plan.status).headers(plan.headers);
      if (plan.body === null) return reply.send();
      return reply.send(await content.open(plan.body));
    },
  });
}

/**
 * Resolves a resize or cover request to the variant the public URL would serve for Mosaico's own form,
 * `?method=resize|cover&width=W&height=H`, so both forms share one variant and one stored blob.
 */
async function processSource(
  request: Exclude<MosaicoImageRequest, { method: 'placeholder' }>,
  options: MosaicoImageRoutesOptions,
): Promise<{ media: MediaRow; content: ServedContent }> {
  const id = mediaIdFromSource(request.src, options.links.base);
  const media = await options.media.findReadableMedia(id, null);
  if (media === null) throw new VitrailError('VITRAIL_MEDIA_NOT_FOUND', { id });
  const variantQuery = {
    method: request.method,
    width: request.width === undefined ? 'null' : String(request.width),
    height: request.height === undefined ? 'null' : String(request.height),
  };
  return { media, content: await resolveServedContent(media, variantQuery, { blobs: options.blobs, variants: options.variants }) };
}

/** The header fields the editors' CORS hook has set on a reply, as a name, value list. */
function corsFieldsOf(reply: FastifyReply): string[] {
  const fields: string[] = [];
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined || (name !== 'vary' && !name.startsWith('access-control-'))) continue;
    fields.push(name, Array.isArray(value) ? value.join(', ') : String(value));
  }
  return fields;
}
