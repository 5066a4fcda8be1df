import { randomBytes } from 'node:crypto';

import type { Logger } from 'pino';

import type { SessionRepository } from '../db/repositories/session-repository.js';
import { VitrailError } from '../errors/catalogue.js';
import { maskEmail } from '../logging/logger.js';
import type { Clock } from '../time/clock.js';
import { hashToken } from './api-tokens.js';
import type { LoginThrottle } from './login-throttle.js';
import type { Principal } from './principal.js';
import type { UserService } from './user-service.js';

/** A session ends after this much time without a request, in milliseconds. */
export const SESSION_IDLE_MS = 7 * 24 * 60 * 60_000;
/** Minimum time between two writes of a session's last use, so browsing does not write on every request. */
const SESSION_TOUCH_RESOLUTION_MS = 5 * 60_000;

export interface SessionServiceDependencies {
  readonly sessions: SessionRepository;
  readonly users: UserService;
  readonly throttle: LoginThrottle;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface OpenedSession {
  /** The cookie value, returned once: only its hash is stored. */
  readonly token: string;
  readonly csrfToken: string;
  readonly principal: Principal;
  readonly expiresAt: Date;
}

export interface SessionPrincipal extends Principal {
  readonly sessionId: string;
  readonly csrfToken: string;
}

/**
 * Sign-in sessions of the web interface. They live in the database, so any instance can check a cookie
 * and a sign-out or a disabled account takes effect everywhere at the next request.
 */
export class SessionService {
  constructor(private readonly deps: SessionServiceDependencies) {}

  /**
   * Checks an e-mail and password within the sign-in limits and opens a new session. Each sign-in gets a
   * new session id, so a cookie planted before sign-in never becomes valid.
   */
  async signIn(email: string, password: string, address: string): Promise<OpenedSession> {
    await this.deps.throttle.assertAllowed(email, address);
    const user = await this.deps.users.verifyCredentials(email, password).catch((error: unknown) => {
      if (error instanceof VitrailError && error.code === 'VITRAIL_VALIDATION_FAILED') return null;
      throw error;
    });
    if (user === null) {
      await this.deps.throttle.recordFailure(email, address);
      this.deps.logger.info({ email: maskEmail(email), address }, 'sign-in failed');
      throw new VitrailError('VITRAIL_AUTH_LOGIN_FAILED');
    }
    await this.deps.throttle.recordSuccess(email);

    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
    await this.deps.sessions.insert({
      token_hash: hashToken(token),
      user_id: user.id,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
    });
    this.deps.logger.info({ userId: user.id }, 'signed in');
    const principal: SessionPrincipal = {
      userId: user.id,
      email: user.email,
      role: user.role,
      sessionId: hashToken(token),
      csrfToken,
    };
    return { token, csrfToken, principal, expiresAt };
  }

  /** Resolves a session cookie to its user, extending the session's idle deadline. */
  async authenticate(token: string): Promise<SessionPrincipal | null> {
    const tokenHash = hashToken(token);
    const now = this.deps.clock.now();
    const owner = await this.deps.sessions.findLiveOwner(tokenHash, now.toISOString());
    if (owner === undefined) return null;
    if (now.getTime() - Date.parse(owner.lastSeenAt) >= SESSION_TOUCH_RESOLUTION_MS) {
      await this.deps.sessions.extend(tokenHash, now.toISOString(), new Date(now.getTime() + SESSION_IDLE_MS).toISOString());
    }
    return { userId: owner.userId, email: owner.email, role: owner.role, sessionId: tokenHash, csrfToken: owner.csrfToken };
  }

  async signOut(sessionId: string): Promise<void> {
    await this.deps.sessions.delete(sessionId);
  }

  /** Ends every session of a user but the one given, after a password change or reset. */
  async revokeOtherSessions(userId: string, keepSessionId?: string): Promise<number> {
    return this.deps.sessions.deleteForUser(userId, keepSessionId);
  }

  async deleteExpired(): Promise<number> {
    return this.deps.sessions.deleteExpired(this.deps.clock.now().toISOString());
  }
}
