import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** How long a browser may reuse a preflight response, in seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * Lets the editors of the configured sites (the CiviCRM site) call the routes of this Fastify context from
 * their pages. Only the listed origins are echoed back, never `*`. Credentials are not allowed: editors
 * authenticate with an API token in the Authorization header, never with a cookie, so a CiviCRM page can
 * never act with a Vitrail session. With no origin configured, no CORS header is sent and browsers keep
 * other sites out.
 */
export async function registerEditorCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: [...origins],
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Requested-With'],
    exposedHeaders: ['X-Request-Id', 'X-Vitrail-Status'],
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    strictPreflight: true,
  });
}
