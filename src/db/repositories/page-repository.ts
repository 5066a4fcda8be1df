import type { Database } from '../database.js';
import type { PageRow, PageUpdate } from '../schema.js';

export class PageRepository {
  constructor(private readonly db: Database) {}

  async insert(row: PageRow): Promise<void> {
    await this.db.insertInto('pages').values(row).execute();
  }

  async findById(id: string): Promise<PageRow | undefined> {
    return this.db.selectFrom('pages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findBySlug(slug: string): Promise<PageRow | undefined> {
    return this.db.selectFrom('pages').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  /** Lists pages newest first, without their HTML. */
  async list(limit: number): Promise<Omit<PageRow, 'html'>[]> {
    return this.db
      .selectFrom('pages')
      .select(['id', 'slug', 'title', 'html_sha256', 'indexable', 'confirmed_findings', 'created_by', 'created_at', 'updated_at', 'unpublished_at'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  async update(id: string, changes: PageUpdate): Promise<PageRow | undefined> {
    await this.db.updateTable('pages').set(changes).where('id', '=', id).execute();
    return this.findById(id);
  }
}
