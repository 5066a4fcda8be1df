import type { Database } from '../database.js';
import type { ApiTokenRow, Role } from '../schema.js';

export interface TokenOwner {
  readonly tokenId: string;
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
}

export interface TokenListing extends ApiTokenRow {
  readonly email: string;
}

export class TokenRepository {
  constructor(private readonly db: Database) {}

  async insert(row: Omit<ApiTokenRow, 'last_used_at' | 'revoked_at'>): Promise<void> {
    await this.db.insertInto('api_tokens').values(row).execute();
  }

  /** Finds the owner of a live token: not revoked, and its user not disabled. */
  async findLiveOwner(tokenHash: string): Promise<TokenOwner | undefined> {
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['api_tokens.id as tokenId', 'users.id as userId', 'users.email as email', 'users.role as role'])
      .where('api_tokens.token_hash', '=', tokenHash)
      .where('api_tokens.revoked_at', 'is', null)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst();
    return row;
  }

  async list(): Promise<TokenListing[]> {
    return this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('api_tokens')
      .select('users.email as email')
      .orderBy('api_tokens.created_at')
      .execute();
  }

  async findById(id: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Revokes a live token; returns false when the token is unknown or was already revoked. */
  async revoke(id: string, revokedAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: revokedAt })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async touch(id: string, usedAt: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: usedAt }).where('id', '=', id).execute();
  }
}
