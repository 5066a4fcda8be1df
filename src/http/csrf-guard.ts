import type { FastifyInstance } from 'fastify';

import type { Authenticator } from './authentication.js';

/** Methods that change nothing (RFC 9110, section 9.2.1): the guard lets them through unchecked. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Routes that take a request with a session cookie and no CSRF token. Sign-in opens a new session and
 * acts with the rights of none, so a cookie it receives gives a cross-site request nothing to borrow.
 */
const CSRF_EXEMPT_ROUTES = new Set(['POST /api/v1/session']);

/**
 * Checks the CSRF token of every state-changing request made with a session cookie, on every route, before
 * its body is read and before its handler runs. Routes check it again through the Authenticator. This hook
 * also covers a route added without that check, and gives every route the same 403 response.
 */
export function registerCsrfGuard(app: FastifyInstance, authenticator: Authenticator): void {
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    // No route matched: the 404 handler changes nothing.
    const route = request.routeOptions.url;
    if (route === undefined || CSRF_EXEMPT_ROUTES.has(`${request.method} ${route}`)) return;
    await authenticator.rejectForgedRequest(request);
  });
}
