import type { FastifyRequest } from 'fastify';

import type { Principal } from '../auth/principal.js';
import type { TokenService } from '../auth/token-service.js';
import { VitrailError } from '../errors/catalogue.js';

/** Outcome of reading a request's credentials. */
type Credentials = { readonly kind: 'none' } | { readonly kind: 'invalid' } | { readonly kind: 'valid'; readonly principal: Principal };

const resolved = new WeakMap<FastifyRequest, Promise<Credentials>>();

/**
 * Reads who sends a request. Credentials are checked against the database on every request, so a revoked
 * token or a disabled user is refused at once.
 */
export class Authenticator {
  constructor(private readonly tokens: TokenService) {}

  /** Returns the request's principal, or fails with 401 when there is none or it is invalid. */
  async require(request: FastifyRequest): Promise<Principal> {
    const credentials = await this.read(request);
    if (credentials.kind === 'valid') return credentials.principal;
    throw new VitrailError(credentials.kind === 'none' ? 'VITRAIL_AUTH_REQUIRED' : 'VITRAIL_AUTH_INVALID_TOKEN');
  }

  /** Returns the request's principal, or null for an anonymous request or one with invalid credentials. */
  async optional(request: FastifyRequest): Promise<Principal | null> {
    const credentials = await this.read(request);
    return credentials.kind === 'valid' ? credentials.principal : null;
  }

  private read(request: FastifyRequest): Promise<Credentials> {
    let pending = resolved.get(request);
    if (pending === undefined) {
      pending = this.readHeader(request.headers.authorization);
      resolved.set(request, pending);
    }
    return pending;
  }

  private async readHeader(header: string | undefined): Promise<Credentials> {
    if (header === undefined || header.trim() === '') return { kind: 'none' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] === undefined) return { kind: 'invalid' };
    const principal = await this.tokens.authenticate(match[1]);
    return principal === null ? { kind: 'invalid' } : { kind: 'valid', principal };
  }
}
