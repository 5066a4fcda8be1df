import http from 'node:http';
import https from 'node:https';

import type { FastifyServerOptions } from 'fastify';

import type { PublicPath } from './public-path.js';
import { SERIALIZED_HEADS_SUPPORTED } from './serialized-head.js';

type FastifyHandler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/**
 * Fastify's `serverFactory`: the node:http server that lets the public path answer cache hits before Fastify
 * routes anything. Fastify skips its own timeout settings when given a factory (fastify 5, lib/server.js),
 * so this applies them: request and connection timeouts, requests per socket, and keep-alive (see below).
 * With Fastify's `https` option (VITRAIL_TLS_CERT and VITRAIL_TLS_KEY) the server speaks HTTPS.
 */
export function createPublicServer(handler: FastifyHandler, options: FastifyServerOptions, publicPath: PublicPath): http.Server {
  const listener = (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (!publicPath.tryServe(request, response, handler)) handler(request, response);
  };
  const { http: httpOptions, https: httpsOptions } = options as { http?: http.ServerOptions; https?: https.ServerOptions };
  const server = httpsOptions === undefined ? http.createServer(httpOptions ?? {}, listener) : https.createServer(httpsOptions, listener);
  if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
  if (options.connectionTimeout !== undefined && options.connectionTimeout > 0) {
    server.setTimeout(options.connectionTimeout);
    // The idle timeout also closes kept-alive connections. node:http arms it once per connection, whereas a
    // keep-alive timeout takes two new timers per request: one after the response, one at the next request.
    server.keepAliveTimeout = 0;
  } else if (options.keepAliveTimeout !== undefined) {
    server.keepAliveTimeout = options.keepAliveTimeout;
  }
  if (options.maxRequestsPerSocket !== undefined && options.maxRequestsPerSocket !== null && options.maxRequestsPerSocket > 0) {
    server.maxRequestsPerSocket = options.maxRequestsPerSocket;
  }
  // Without a keep-alive timeout or a request limit, node:http adds no Keep-Alive field and no closing one
  // to a kept-alive response's head, so a head serialised in advance is the one it would write.
  const requestLimit = server.maxRequestsPerSocket ?? 0;
  if (SERIALIZED_HEADS_SUPPORTED && server.keepAliveTimeout === 0 && requestLimit <= 0) publicPath.useSerializedHeads();
  return server;
}
