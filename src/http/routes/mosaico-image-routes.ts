import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { VitrailError } from '../../errors/catalogue.js';
import { parseMosaicoImageQuery, type MosaicoImageRequest } from '../../integrations/mosaico-image-request.js';
import { MosaicoPlaceholders, type InMemoryContent } from '../../integrations/mosaico-placeholders.js';
import { mediaIdFromSource } from '../../integrations/mosaico-sources.js';
import type { MediaService } from '../../media/media-service.js';
import type { PublicLinks } from '../../media/public-links.js';
import { planResponse } from '../../serving/response-plan.js';
import { readConditions } from './public-media-routes.js';

export interface MosaicoImageRoutesOptions {
  readonly media: MediaService;
  readonly links: PublicLinks;
}

/**
 * Mosaico's image processor (`imgProcessorBackend`), `GET` and `HEAD`. No authentication: its URLs sit in
 * `<img>` tags of templates and sent mails. Sources are public media of this server only, and responses
 * follow the public path's HTTP rules (ETag, 304, Range, HEAD).
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
      const content = imageRequest.method === 'placeholder'
        ? await placeholders.get(imageRequest.width, imageRequest.height)
        : await processSource(imageRequest, options);
      const plan = planResponse(content.representation, readConditions(request));
      reply.code(plan.status).headers(plan.headers);
      if (plan.body === null) return reply.send();
      return reply.send(await content.open(plan.body));
    },
  });
}

async function processSource(request: Exclude<MosaicoImageRequest, { method: 'placeholder' }>, options: MosaicoImageRoutesOptions): Promise<InMemoryContent> {
  const id = mediaIdFromSource(request.src, options.links.base);
  const media = await options.media.findReadableMedia(id, null);
  if (media === null) throw new VitrailError('VITRAIL_MEDIA_NOT_FOUND', { id });
  // TODO: resize and cover through the image variants once they are on main.
  throw new VitrailError('VITRAIL_UNAVAILABLE', { reason: 'image variants are not available yet' });
}
