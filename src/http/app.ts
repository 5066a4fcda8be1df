import path from 'node:path';
import { fileURLToPath } from 'node:url';

import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';

import { registerHttpMetrics, metricsRoutes } from '../ops/http-metrics.js';
import { httpsOptions } from '../ops/tls.js';
import { createPublicServer } from '../serving/public-server.js';
import type { Vitrail } from '../vitrail.js';
import { registerApiDocs } from './api-docs.js';
import { Authenticator } from './authentication.js';
import { registerCsrfGuard } from './csrf-guard.js';
import { rejectNonJsonBody } from './body-types.js';
import { registerErrorHandler } from './error-handler.js';
import { partAwareValidators } from './request-validation.js';
import { createRequestId } from './request-ids.js';
import { registerRequestLog, RequestLogController } from './request-log.js';
import { registerUnreadBodyClose } from './unread-body.js';
import { MULTIPART_BUFFERS } from './multipart-request.js';
import { startHousekeeping } from './housekeeping.js';
import { ResumableUploads } from '../media/resumable-uploads.js';
import { toMediaView } from '../media/media-view.js';
import { accountRoutes } from './routes/account-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { legacyRoutes } from './routes/legacy-routes.js';
import { mediaContentRoutes } from './routes/media-content-routes.js';
import { integrationRoutes } from './routes/integration-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { RESUMABLE_UPLOADS_PATH, uploadRoutes } from './routes/upload-routes.js';
import { webAppRoutes } from './routes/web-app-routes.js';
import { mediaRoutes } from './routes/media-routes.js';
import { mediaVersionRoutes } from './routes/media-version-routes.js';
import { rawUploadRoutes } from './routes/raw-upload-routes.js';
import { pageRoutes } from './routes/page-routes.js';
import { externalizeRoutes } from './routes/externalize-routes.js';
import { publicMediaRoutes } from './routes/public-media-routes.js';
import { publicPageRoutes } from './routes/public-page-routes.js';

/** Largest JSON body, in bytes: API requests other than uploads are small. */
const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/** Multipart limits besides the file size: one file and a few short text fields per upload. */
const MULTIPART_LIMITS = {
  files: 1,
  fields: 10,
  parts: 20,
  fieldNameSize: 100,
  fieldSize: 16 * 1024,
  headerPairs: 100,
};

/** Builds the HTTP application of a Vitrail; it does not listen until asked. */
export async function buildApp(vitrail: Vitrail): Promise<FastifyInstance> {
  const { settings } = vitrail;
  const app = Fastify({
    loggerInstance: vitrail.logger as FastifyBaseLogger,
    logController: new RequestLogController(),
    genReqId: createRequestId,
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    // The name segment of /m/<id>/<name> may reach 255 UTF-8 bytes, three times as many once percent-encoded.
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
    // A silent connection (a stalled upload, a slow-header attack) is closed after this time.
    connectionTimeout: settings.idleTimeoutMs,
    // Long enough for a large upload over a slow line; the idle timeout catches stalled ones sooner.
    requestTimeout: settings.requestTimeoutMs,
    // Reject unknown JSON properties instead of silently dropping them, so a typo fails loudly.
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator: partAwareValidators() } },
    // Fastify 5 accepts a hop count at run time, although its type declaration omits number.
    trustProxy: settings.ops.trustProxy as boolean | string[],
    ...httpsOptions(settings.ops.tls),
    // Hot public media are answered before Fastify routes the request; everything else goes to Fastify.
    serverFactory: (handler, options) => createPublicServer(handler, options, vitrail.publicPath),
    // With `https`, Fastify types the instance over https.Server; routes and hooks are the same.
  }) as unknown as FastifyInstance;
  app.addHook('onClose', async () => vitrail.publicPath.close());

  // Node checks this deadline on its connection sweep, every 30 seconds by default.
  app.server.headersTimeout = settings.headersTimeoutMs;

  registerRequestLog(app);
  registerUnreadBodyClose(app);
  registerHttpMetrics(app, vitrail.metrics);
  registerErrorHandler(app, { maxUploadBytes: settings.maxUploadBytes });
  app.addHook('preValidation', rejectNonJsonBody);

  await app.register(multipart, {
    limits: { ...MULTIPART_LIMITS, fileSize: settings.maxUploadBytes },
    ...MULTIPART_BUFFERS,
  });

  await registerApiDocs(app, settings.publicUrl);
  await app.register(cookie);

  const authenticator = new Authenticator(vitrail.tokens, vitrail.sessions);
  registerCsrfGuard(app, authenticator);
  await app.register(healthRoutes, { db: vitrail.db, dataDir: settings.dataDir });
  await app.register(mediaRoutes, { media: vitrail.media, authenticator, links: vitrail.links, users: vitrail.users });
  await app.register(rawUploadRoutes, { media: vitrail.media, authenticator, links: vitrail.links, maxUploadBytes: settings.maxUploadBytes });
  await app.register(mediaVersionRoutes, { media: vitrail.media, blobs: vitrail.blobs, authenticator, links: vitrail.links });
  if (settings.ops.metrics.enabled && settings.ops.metrics.listen === null) await app.register(metricsRoutes, { metrics: vitrail.metrics });
  await app.register(publicMediaRoutes, { media: vitrail.media, blobs: vitrail.blobs, authenticator, variants: vitrail.variants, publicPath: vitrail.publicPath });
  await app.register(mediaContentRoutes, { media: vitrail.media, blobs: vitrail.blobs, authenticator });
  await app.register(legacyRoutes, {
    media: vitrail.media,
    blobs: vitrail.blobs,
    authenticator,
    variants: vitrail.variants,
    resolver: vitrail.legacyUrls,
    publicPrefixes: await vitrail.legacyPaths.listPrefixes(),
  });
  await app.register(pageRoutes, { pages: vitrail.pages, media: vitrail.media, authenticator, links: vitrail.links, users: vitrail.users });
  await app.register(publicPageRoutes, { pages: vitrail.pages });
  await app.register(externalizeRoutes, { externalizer: vitrail.mailExternalizer, media: vitrail.media, authenticator });
  await app.register(integrationRoutes, {
    prefix: '/integrations',
    media: vitrail.media,
    authenticator,
    links: vitrail.links,
    maxUploadBytes: settings.maxUploadBytes,
    corsOrigins: settings.corsOrigins,
    blobs: vitrail.blobs,
    variants: vitrail.variants,
    publicPath: vitrail.publicPath,
  });
  await app.register(sessionRoutes, {
    sessions: vitrail.sessions,
    users: vitrail.users,
    accounts: vitrail.accounts,
    authenticator,
    secureCookie: settings.publicUrl.startsWith('https:'),
    maxUploadBytes: settings.maxUploadBytes,
  });
  await app.register(accountRoutes, { accounts: vitrail.accounts, authenticator });

  const uploads = new ResumableUploads({
    directory: vitrail.staging.resumableDirectory,
    path: RESUMABLE_UPLOADS_PATH,
    maxUploadBytes: settings.maxUploadBytes,
    media: vitrail.media,
    viewMedia: (row) => toMediaView(row, vitrail.links),
    logger: vitrail.logger,
    hashingThread: vitrail.hashingThread,
    garbagePacer: vitrail.uploadGarbage,
  });
  await app.register(uploadRoutes, { uploads, authenticator });
  await app.register(webAppRoutes, { root: WEB_APP_ROOT });

  const housekeeping = startHousekeeping(
    [
      { name: 'expired sessions', run: () => vitrail.sessions.deleteExpired() },
      { name: 'outdated sign-in failures', run: () => vitrail.loginThrottle.deleteOutdated() },
      { name: 'abandoned resumable uploads', run: () => uploads.deleteExpired() },
    ],
    vitrail.logger,
  );
  app.addHook('onClose', async () => housekeeping.stop());

  return app;
}

/** Vite's output, dist/web, seen from this module compiled to dist/src/http. */
const WEB_APP_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
