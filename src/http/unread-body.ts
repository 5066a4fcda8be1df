import type { FastifyInstance } from 'fastify';

/**
 * Closes the connection after an error response sent before the request body was read to its end, such
 * as an upload rejected for a full disk or a quota. The rest of the body is then never read, and a
 * stopping server does not wait for a client still sending it.
 */
export function registerUnreadBodyClose(app: FastifyInstance): void {
  app.addHook('onError', async (request, reply) => {
    if (!request.raw.readableEnded) reply.header('connection', 'close');
  });
}
