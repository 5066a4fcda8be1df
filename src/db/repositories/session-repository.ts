import type { Database } from '../database.js';
import type { Role, SessionRow } from '../schema.js';

export interface SessionOwner {
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  readonly csrfToken: string;
  readonly lastSeenAt: string;
}

export class SessionRepository {
  constructor(private readonly db: Database) {}

  async insert(row: SessionRow): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  /** Finds the owner of a session that has not expired at `now`, whose user is not disabled. */
  async findLiveOwner(tokenHash: string, now: string): Promise<SessionOwner | undefined> {
    return this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'users.id as userId',
        'users.email as email',
        'users.role as role',
        'sessions.csrf_token as csrfToken',
        'sessions.last_seen_at as lastSeenAt',
      ])
      .where('sessions.token_hash', '=', tokenHash)
      .where('sessions.expires_at', '>', now)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst();
  }

  async extend(tokenHash: string, lastSeenAt: string, expiresAt: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: lastSeenAt, expires_at: expiresAt })
      .where('token_hash', '=', tokenHash)
      .execute();
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  /** Deletes every session of a user, except the one whose hash is `keepTokenHash`. */
  async deleteForUser(userId: string, keepTokenHash?: string): Promise<number> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepTokenHash !== undefined) query = query.where('token_hash', '!=', keepTokenHash);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(now: string): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
