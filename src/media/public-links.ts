import type { MediaRow } from '../db/schema.js';

/**
 * Builds the absolute links handed out, from VITRAIL_PUBLIC_URL. When the server listens on port 0 with no
 * public URL set (the tests), the base is taken from the listening address once it is known.
 */
export class PublicLinks {
  constructor(private baseUrl: string) {}

  get base(): string {
    return this.baseUrl;
  }

  useListeningAddress(address: string): void {
    this.baseUrl = address.replace(/\/+$/, '');
  }

  /** Public URL of a media: the name segment is for people and never decides anything. */
  media(media: Pick<MediaRow, 'id' | 'name'>): string {
    return `${this.baseUrl}/m/${media.id}/${encodeURIComponent(media.name)}`;
  }

  /** Public URL of a hosted page; the trailing slash makes it a folder, as a page's own links expect. */
  page(slug: string): string {
    return `${this.baseUrl}/p/${slug}/`;
  }
}
