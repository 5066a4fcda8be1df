import { access } from 'node:fs/promises';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export interface WebAppRoutesOptions {
  /** Directory of the built interface (Vite's output), with index.html at its root. */
  readonly root: string;
}

/**
 * The policy of the interface's pages: scripts and styles only from this server, no framing. Media
 * previews come from this server too; `blob:` allows previews of files chosen for upload.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Serves the single-page interface at `/`. File names under assets/ carry a content hash, so they are
 * cached for good. index.html is revalidated on every visit, so a new release shows at once.
 */
export async function webAppRoutes(app: FastifyInstance, options: WebAppRoutesOptions): Promise<void> {
  try {
    await access(`${options.root}/index.html`);
  } catch {
    app.log.warn({ root: options.root }, 'the web interface is not built, so / returns 404: run "npm run build"');
    return;
  }
  await app.register(fastifyStatic, {
    root: options.root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders: (response, filePath) => {
      response.setHeader('x-content-type-options', 'nosniff');
      response.setHeader('referrer-policy', 'same-origin');
      if (filePath.includes('/assets/')) {
        response.setHeader('cache-control', 'public, max-age=31536000, immutable');
      } else {
        response.setHeader('cache-control', 'no-cache');
        response.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      }
    },
  });
}
