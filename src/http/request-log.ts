import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

import { REQUEST_ID_HEADER } from './request-ids.js';

/**
 * The one place that decides how HTTP exchanges are logged: one line per request, at info for success and
 * client errors, at error for server errors. A client that went away is logged at info, since it is normal.
 */
export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: redactUrl(request.url) }, 'request received');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      url: redactUrl(request.url),
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      err: error ?? undefined,
    };
    if (reply.statusCode >= 500) reply.log.error(line, 'request failed');
    else reply.log.info(line, 'request completed');
  }
}

/** Echoes the request id in every response, and logs requests the client aborted. */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  app.addHook('onRequestAbort', async (request) => {
    request.log.info({ method: request.method, url: redactUrl(request.url) }, 'client aborted the request');
  });
}

/** Drops the query string: it may carry values that do not belong in logs. */
function redactUrl(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?…`;
}
