import type { Database } from '../database.js';

export class LoginFailureRepository {
  constructor(private readonly db: Database) {}

  async record(subjects: readonly string[], failedAt: string): Promise<void> {
    if (subjects.length === 0) return;
    await this.db
      .insertInto('login_failures')
      .values(subjects.map((subject) => ({ subject, failed_at: failedAt })))
      .execute();
  }

  /** Returns the failures of a subject since `since`, oldest first. */
  async listSince(subject: string, since: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('login_failures')
      .select('failed_at')
      .where('subject', '=', subject)
      .where('failed_at', '>', since)
      .orderBy('failed_at')
      .execute();
    return rows.map((row) => row.failed_at);
  }

  async clear(subject: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('subject', '=', subject).execute();
  }

  async deleteBefore(before: string): Promise<number> {
    const result = await this.db.deleteFrom('login_failures').where('failed_at', '<=', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
