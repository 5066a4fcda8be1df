import http from 'node:http';

import type { FastifyServerOptions } from 'fastify';

import type { PublicPath } from './public-path.js';

type FastifyHandler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/**
 * Fastify's `serverFactory`: the node:http server that lets the public path answer cache hits before Fastify
 * routes anything. Fastify skips its own timeout settings when given a factory (fastify 5, lib/server.js),
 * so this applies them the same way: keep-alive, request and connection timeouts, requests per socket.
 */
export function createPublicServer(handler: FastifyHandler, options: FastifyServerOptions, publicPath: PublicPath): http.Server {
  const serverOptions = (options as { http?: http.ServerOptions }).http ?? {};
  const server = http.createServer(serverOptions, (request, response) => {
    if (!publicPath.tryServe(request, response, handler)) handler(request, response);
  });
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
  if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
  if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
  if (options.maxRequestsPerSocket !== undefined && options.maxRequestsPerSocket !== null && options.maxRequestsPerSocket > 0) {
    server.maxRequestsPerSocket = options.maxRequestsPerSocket;
  }
  return server;
}
