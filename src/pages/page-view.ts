import type { PageRow } from '../db/schema.js';
import type { PublicLinks } from '../media/public-links.js';
import type { Finding } from './personal-data.js';

export type PageStatus = 'published' | 'unpublished';

/** A page as the API returns it. */
export interface PageView {
  readonly id: string;
  readonly slug: string;
  readonly title: string;
  readonly url: string;
  readonly status: PageStatus;
  readonly indexable: boolean;
  /** Personal-data findings the editor confirmed at the last publication or replacement. */
  readonly confirmedFindings: readonly Finding[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly unpublishedAt: string | null;
}

export function toPageView(row: Omit<PageRow, 'html'>, links: PublicLinks): PageView {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    url: links.page(row.slug),
    status: row.unpublished_at === null ? 'published' : 'unpublished',
    indexable: row.indexable === 1,
    confirmedFindings: JSON.parse(row.confirmed_findings) as Finding[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    unpublishedAt: row.unpublished_at,
  };
}
