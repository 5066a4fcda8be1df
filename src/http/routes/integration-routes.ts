import type { FastifyInstance } from 'fastify';

import type { ImageVariants } from '../../images/image-variants.js';
import { registerEditorCors } from '../../integrations/cors.js';
import type { MediaService } from '../../media/media-service.js';
import type { PublicLinks } from '../../media/public-links.js';
import type { PublicPath } from '../../serving/public-path.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { Authenticator } from '../authentication.js';
import { ckeditorPickerRoutes } from './ckeditor-picker-routes.js';
import { ckeditorRoutes } from './ckeditor-routes.js';
import { mosaicoImageRoutes } from './mosaico-image-routes.js';
import { mosaicoRoutes } from './mosaico-routes.js';

export interface IntegrationRoutesOptions {
  readonly media: MediaService;
  readonly authenticator: Authenticator;
  readonly links: PublicLinks;
  readonly maxUploadBytes: number;
  readonly corsOrigins: readonly string[];
  readonly blobs: BlobStore;
  readonly variants: ImageVariants;
  readonly publicPath?: PublicPath;
}

/**
 * Registers the endpoints that CiviCRM's editors call, each speaking its editor's protocol. They sit in their own
 * Fastify context, registered under /integrations, so CORS for the CiviCRM site applies to them alone and
 * never to the media API or the public path.
 */
export async function integrationRoutes(app: FastifyInstance, options: IntegrationRoutesOptions): Promise<void> {
  const { media, authenticator, links, maxUploadBytes } = options;
  await registerEditorCors(app, options.corsOrigins);
  await app.register(ckeditorRoutes, { media, authenticator, links, maxUploadBytes });
  await app.register(mosaicoRoutes, { media, authenticator, links, maxUploadBytes });
  await app.register(ckeditorPickerRoutes, { links, corsOrigins: options.corsOrigins });
  await app.register(mosaicoImageRoutes, { media, links, blobs: options.blobs, variants: options.variants, publicPath: options.publicPath });
}
