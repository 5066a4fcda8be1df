import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { AccountAdministration } from '../../auth/account-administration.js';
import type { Principal } from '../../auth/principal.js';
import { SESSION_IDLE_MS, type SessionService } from '../../auth/session-service.js';
import type { UserService } from '../../auth/user-service.js';
import { MAX_PASSWORD_LENGTH } from '../../auth/passwords.js';
import { VitrailError } from '../../errors/catalogue.js';
import { SESSION_COOKIE, type Authenticator } from '../authentication.js';

export interface SessionRoutesOptions {
  readonly sessions: SessionService;
  readonly users: UserService;
  readonly accounts: AccountAdministration;
  readonly authenticator: Authenticator;
  /** true when the public URL is https: the cookie is then always marked Secure. */
  readonly secureCookie: boolean;
  /** Largest accepted upload, in bytes, which the interface states and checks before sending. */
  readonly maxUploadBytes: number;
}

interface SessionBody {
  readonly user: { readonly id: string; readonly email: string; readonly role: Principal['role'] };
  /** Token to send in X-CSRF-Token on state-changing requests; null for a request made with an API token. */
  readonly csrfToken: string | null;
  readonly maxUploadBytes: number;
}

const credentialsBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    email: { type: 'string', minLength: 1, maxLength: 254 },
    password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 4 },
  },
} as const;

const passwordChangeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['currentPassword', 'newPassword'],
  properties: {
    currentPassword: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 4 },
    newPassword: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 4 },
  },
} as const;

/** Sign-in, sign-out and the current user of the web interface, and a password change for oneself. */
export async function sessionRoutes(app: FastifyInstance, options: SessionRoutesOptions): Promise<void> {
  const { sessions, authenticator } = options;
  // Also Secure for a request that came over https, directly over TLS or through a trusted proxy that sets
  // X-Forwarded-Proto to https, when the public URL was left at its http default.
  const isSecure = (request: FastifyRequest): boolean => options.secureCookie || request.protocol === 'https';
  const setSessionCookie = (request: FastifyRequest, reply: FastifyReply, token: string): void => {
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: isSecure(request),
      maxAge: Math.floor(SESSION_IDLE_MS / 1000),
    });
  };

  app.post<{ Body: { email: string; password: string } }>(
    '/api/v1/session',
    { schema: { tags: ['session'], summary: 'Sign in: sets the session cookie and returns the CSRF token', body: credentialsBody } },
    async (request, reply) => {
      // request.ip is the client's address only when VITRAIL_TRUST_PROXY names the reverse proxy; otherwise
      // every sign-in through the proxy counts against the proxy's own address.
      const opened = await sessions.signIn(request.body.email, request.body.password, request.ip).catch((error: unknown) => {
        if (error instanceof VitrailError && error.code === 'VITRAIL_AUTH_TOO_MANY_ATTEMPTS') {
          void reply.header('retry-after', String(Number(error.parameters.minutes) * 60));
        }
        throw error;
      });
      setSessionCookie(request, reply, opened.token);
      const body: SessionBody = { user: userOf(opened.principal), csrfToken: opened.csrfToken, maxUploadBytes: options.maxUploadBytes };
      return reply.code(201).send(body);
    },
  );

  app.get('/api/v1/session', { schema: { tags: ['session'], summary: 'The signed-in user, and the CSRF token of a cookie session' } }, async (request, reply) => {
    const cookie = request.cookies[SESSION_COOKIE];
    const session = request.headers.authorization === undefined && cookie !== undefined ? await sessions.authenticate(cookie) : null;
    if (session !== null && cookie !== undefined) {
      // Sent again so the browser's expiry follows the server's idle deadline, which each visit pushes back.
      setSessionCookie(request, reply, cookie);
      const body: SessionBody = { user: userOf(session), csrfToken: session.csrfToken, maxUploadBytes: options.maxUploadBytes };
      return body;
    }
    const principal = await authenticator.require(request);
    const body: SessionBody = { user: userOf(principal), csrfToken: null, maxUploadBytes: options.maxUploadBytes };
    return body;
  });

  app.delete('/api/v1/session', { schema: { tags: ['session'], summary: 'Sign out: ends the session of the cookie' } }, async (request, reply) => {
    const principal = await authenticator.require(request);
    if (principal.sessionId === undefined) {
      throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: 'this request carries an API token, not a session cookie, so there is no session to end' });
    }
    await sessions.signOut(principal.sessionId);
    request.log.info({ userId: principal.userId }, 'signed out');
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: isSecure(request) });
    return reply.code(204).send();
  });

  app.put<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/v1/account/password',
    { schema: { tags: ['session'], summary: 'Change one own password; ends the other sessions', body: passwordChangeBody } },
    async (request, reply) => {
      const principal = await authenticator.require(request);
      await options.accounts.changeOwnPassword(principal, request.body.currentPassword, request.body.newPassword);
      return reply.code(204).send();
    },
  );
}

function userOf(principal: Principal): SessionBody['user'] {
  return { id: principal.userId, email: principal.email, role: principal.role };
}
