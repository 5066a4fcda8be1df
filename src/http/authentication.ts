import { timingSafeEqual } from 'node:crypto';

import type {} from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';

import type { Principal } from '../auth/principal.js';
import type { SessionService } from '../auth/session-service.js';
import type { TokenService } from '../auth/token-service.js';
import { VitrailError } from '../errors/catalogue.js';

/** Name of the web interface's session cookie. */
export const SESSION_COOKIE = 'vitrail_session';
/** Header in which the web interface sends the session's CSRF token back. */
export const CSRF_HEADER = 'x-csrf-token';

/** Outcome of reading a request's credentials. */
type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid' }
  /** An Authorization header of another scheme than Bearer, such as Basic. */
  | { readonly kind: 'other-scheme'; readonly problem: string }
  | { readonly kind: 'forged' }
  | { readonly kind: 'valid'; readonly principal: Principal };

/** Methods that change nothing (RFC 9110, section 9.2.1), so a cross-site request with them cannot harm. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const resolved = new WeakMap<FastifyRequest, Promise<Credentials>>();

/**
 * Reads who sends a request: an API token in `Authorization: Bearer`, or else the session cookie of the
 * web interface. Credentials are checked against the database on every request, so a revoked token, an
 * ended session or a disabled user is refused at once.
 *
 * A browser attaches the cookie to requests that other sites trigger, so every state-changing request
 * made with the cookie must also carry the session's CSRF token in the X-CSRF-Token header, which another
 * site cannot read. Bearer tokens are never sent by a browser on its own and need no such check.
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
  ) {}

  /** Returns the request's principal, or fails with 401 when there is none or it is invalid. */
  async require(request: FastifyRequest): Promise<Principal> {
    const credentials = await this.read(request);
    switch (credentials.kind) {
      case 'valid':
        return credentials.principal;
      case 'none':
        throw new VitrailError('VITRAIL_AUTH_REQUIRED');
      case 'invalid':
        throw new VitrailError('VITRAIL_AUTH_INVALID_TOKEN');
      case 'other-scheme':
        throw new VitrailError('VITRAIL_AUTH_SCHEME', { problem: credentials.problem });
      case 'forged':
        throw new VitrailError('VITRAIL_AUTH_CSRF_INVALID');
    }
  }

  /** Returns the request's principal, or null for an anonymous request or one with invalid credentials. */
  async optional(request: FastifyRequest): Promise<Principal | null> {
    const credentials = await this.read(request);
    return credentials.kind === 'valid' ? credentials.principal : null;
  }

  /**
   * Fails with 403 VITRAIL_AUTH_CSRF_INVALID when a state-changing request carries a live session cookie,
   * no API token and not that session's CSRF token. Any other request passes, for its route to authenticate.
   */
  async rejectForgedRequest(request: FastifyRequest): Promise<void> {
    if ((await this.read(request)).kind === 'forged') throw new VitrailError('VITRAIL_AUTH_CSRF_INVALID');
  }

  private read(request: FastifyRequest): Promise<Credentials> {
    let pending = resolved.get(request);
    if (pending === undefined) {
      pending = this.readCredentials(request);
      resolved.set(request, pending);
    }
    return pending;
  }

  private async readCredentials(request: FastifyRequest): Promise<Credentials> {
    const header = request.headers.authorization;
    if (header !== undefined && header.trim() !== '') return this.readBearer(header);
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie === undefined || cookie === '') return { kind: 'none' };
    return this.readSession(cookie, request);
  }

  private async readBearer(header: string): Promise<Credentials> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] === undefined) return { kind: 'other-scheme', problem: describeSchemeProblem(header) };
    const principal = await this.tokens.authenticate(match[1]);
    return principal === null ? { kind: 'invalid' } : { kind: 'valid', principal };
  }

  private async readSession(cookie: string, request: FastifyRequest): Promise<Credentials> {
    const session = await this.sessions.authenticate(cookie);
    // An expired or ended session counts as no credentials: the interface then shows the sign-in screen.
    if (session === null) return { kind: 'none' };
    if (!SAFE_METHODS.has(request.method) && !matchesCsrfToken(request.headers[CSRF_HEADER], session.csrfToken)) {
      return { kind: 'forged' };
    }
    const principal: Principal = { userId: session.userId, email: session.email, role: session.role, sessionId: session.sessionId };
    return { kind: 'valid', principal };
  }
}

/** Says what is wrong with an Authorization header that is not "Bearer <token>", without echoing credentials. */
function describeSchemeProblem(header: string): string {
  const words = header.trim().split(/\s+/);
  const [scheme = ''] = words;
  if (scheme.toLowerCase() === 'bearer') return 'has no token, or more than one word, after "Bearer"';
  if (words.length === 1) return 'has no scheme before the token';
  if (/^[A-Za-z][A-Za-z0-9-]{0,19}$/.test(scheme)) return `uses the "${scheme}" scheme`;
  return 'uses another scheme';
}

function matchesCsrfToken(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const sentBytes = Buffer.from(sent);
  const expectedBytes = Buffer.from(expected);
  return sentBytes.length === expectedBytes.length && timingSafeEqual(sentBytes, expectedBytes);
}
