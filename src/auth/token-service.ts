import type { TokenListing, TokenRepository } from '../db/repositories/token-repository.js';
import { VitrailError } from '../errors/catalogue.js';
import type { Clock } from '../time/clock.js';
import { createTokenId, generateToken, hashToken, TOKEN_PREFIX } from './api-tokens.js';
import type { Principal } from './principal.js';
import type { UserService } from './user-service.js';

export interface TokenServiceDependencies {
  readonly tokens: TokenRepository;
  readonly users: UserService;
  readonly clock: Clock;
}

export interface CreatedToken {
  readonly id: string;
  /** The secret, returned once and never stored. */
  readonly token: string;
}

export interface RevokedToken {
  /** When the token was revoked, as an ISO 8601 time: by this call, or earlier when already revoked. */
  readonly revokedAt: string;
  readonly alreadyRevoked: boolean;
}

/** Minimum time between two updates of a token's last use, so busy clients do not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** API tokens: creation, listing, revocation and authentication. */
export class TokenService {
  private readonly lastTouched = new Map<string, number>();

  constructor(private readonly deps: TokenServiceDependencies) {}

  async createToken(userEmail: string, name: string): Promise<CreatedToken> {
    const user = await this.deps.users.requireUser(userEmail);
    const label = name.trim();
    if (label === '' || label.length > 200) {
      throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: 'the token name must have 1 to 200 characters' });
    }
    const token = generateToken();
    const id = createTokenId();
    await this.deps.tokens.insert({
      id,
      user_id: user.id,
      name: label,
      token_hash: hashToken(token),
      created_at: this.deps.clock.now().toISOString(),
    });
    return { id, token };
  }

  async listTokens(): Promise<TokenListing[]> {
    return this.deps.tokens.list();
  }

  /**
   * Revokes a token. Revoking one already revoked changes nothing and is no error, so the HTTP API and the
   * CLI can repeat the request. `alreadyRevoked` distinguishes the two cases.
   */
  async revokeToken(id: string): Promise<RevokedToken> {
    const revokedAt = this.deps.clock.now().toISOString();
    if (await this.deps.tokens.revoke(id, revokedAt)) return { revokedAt, alreadyRevoked: false };
    const token = await this.deps.tokens.findById(id);
    if (token === undefined) throw new VitrailError('VITRAIL_TOKEN_NOT_FOUND', { id });
    return { revokedAt: token.revoked_at ?? revokedAt, alreadyRevoked: true };
  }

  /**
   * Resolves a bearer token to its owner. The database is read on every call, so a token revoked or a user
   * disabled from the CLI stops working at the next request, in every process.
   */
  async authenticate(token: string): Promise<Principal | null> {
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const owner = await this.deps.tokens.findLiveOwner(hashToken(token));
    if (owner === undefined) return null;
    await this.recordUse(owner.tokenId);
    return { userId: owner.userId, email: owner.email, role: owner.role, tokenId: owner.tokenId };
  }

  private async recordUse(tokenId: string): Promise<void> {
    const now = this.deps.clock.now();
    const previous = this.lastTouched.get(tokenId);
    if (previous !== undefined && now.getTime() - previous < LAST_USED_RESOLUTION_MS) return;
    this.lastTouched.set(tokenId, now.getTime());
    await this.deps.tokens.touch(tokenId, now.toISOString());
  }
}
