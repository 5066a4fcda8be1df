import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Tables as Kysely sees them. Columns use types every SQL database shares: text ids, ISO 8601 timestamps
 * in text, integers, so a PostgreSQL backend can implement the same repositories.
 */
export interface DatabaseSchema {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  media: MediaTable;
  media_versions: MediaVersionsTable;
  media_derived_blobs: MediaDerivedBlobsTable;
  media_tombstones: MediaTombstonesTable;
  media_fetch_counts: MediaFetchCountsTable;
  legacy_paths: LegacyPathsTable;
  drupal_imports: DrupalImportsTable;
  maintenance_leases: MaintenanceLeasesTable;
  pages: PagesTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  media_changes: MediaChangesTable;
  blob_claims: BlobClaimsTable;
}

export type Role = 'admin' | 'editor';
export type Visibility = 'public' | 'private';

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 of the token, hex: the token itself is shown once and never stored. */
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface MediaTable {
  id: string;
  name: string;
  /** The name folded for search (lower case, no accents). */
  name_folded: string;
  mime: string;
  size: number;
  sha256: string;
  width: number | null;
  height: number | null;
  visibility: Visibility;
  alt: Generated<string>;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  trashed_at: string | null;
  /** Number of the current content: 1 at upload, plus one per replacement. */
  version: Generated<number>;
  /** When the current content was stored, or null while it is the uploaded one (then created_at applies). */
  content_changed_at: string | null;
  /**
   * The image served publicly, made when the content was stored; null for media that are not processed
   * images. Its blob is also listed in media_derived_blobs (kind rendition) unless it is the original.
   */
  rendition_sha256: string | null;
  rendition_mime: string | null;
  rendition_size: number | null;
  rendition_width: number | null;
  rendition_height: number | null;
  /** A small image for the web interface, also listed in media_derived_blobs (kind thumbnail). */
  thumbnail_sha256: string | null;
  thumbnail_mime: string | null;
  /** 1 when the editor chose to publish the original bytes instead of the rendition. */
  publish_original: Generated<number>;
  /** A label for people, '' for none: moving a media between folders never changes its URL. */
  folder: Generated<string>;
}

/** An earlier content of a media, kept when a replacement took its place. */
export interface MediaVersionsTable {
  media_id: string;
  version: number;
  name: string;
  mime: string;
  size: number;
  sha256: string;
  width: number | null;
  height: number | null;
  /** When this content became current. */
  stored_at: string;
  replaced_at: string;
  replaced_by: string | null;
}

/**
 * Kinds of blobs made from a media rather than uploaded: purging a media removes each of them. A new kind
 * of derived image is stored here under a new kind name, so purge needs no change to find it.
 */
export type DerivedBlobKind = 'rendition' | 'variant' | 'thumbnail' | 'drupal-style';

export interface MediaDerivedBlobsTable {
  media_id: string;
  kind: DerivedBlobKind;
  /** Tells blobs of one kind apart, such as a variant's size or a Drupal image style's name. */
  key: string;
  sha256: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
  created_at: string;
}

/** Remains of a purged media: enough to return 410 Gone at its URL, nothing of its content. */
export interface MediaTombstonesTable {
  media_id: string;
  /** 1 when the media was an image, so its URL returns a placeholder image. */
  was_image: number;
  visibility: Visibility;
  purged_at: string;
}

export interface MediaFetchCountsTable {
  media_id: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  count: number;
}

/** An old URL path (a Drupal one) that serves a media, under a prefix such as /sites/default/files. */
export interface LegacyPathsTable {
  prefix: string;
  /** Path after the prefix, decoded, NFC, without a leading slash. */
  path: string;
  media_id: string;
  created_at: string;
}

/** One Drupal file imported as a media, keyed by the Drupal uuid so a second run skips it. */
export interface DrupalImportsTable {
  drupal_uuid: string;
  fid: number;
  uri: string;
  media_id: string;
  /** Drupal user name of the owner when no Vitrail user has their e-mail address. */
  drupal_owner: string | null;
  imported_at: string;
}

/** Single-runner state of one maintenance task; timestamps are ISO 8601. */
export interface MaintenanceLeasesTable {
  task: string;
  /** Instance running the task now, or null. */
  holder: string | null;
  /** After this time another instance may take the task over, as its holder is presumed dead. */
  lease_expires_at: string | null;
  last_started_at: string | null;
  last_finished_at: string | null;
  /** JSON of what the last run did, or its error. */
  last_outcome: string | null;
}

/** Filled by triggers on every update or delete of a media row; read by the public path's caches. */
export interface MediaChangesTable {
  seq: Generated<number>;
  media_id: string;
  changed_at: Generated<string>;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type MediaRow = Selectable<MediaTable>;
export type NewMediaRow = Insertable<MediaTable>;
export type MediaUpdate = Updateable<MediaTable>;
export type MediaVersionRow = Selectable<MediaVersionsTable>;
export type MediaDerivedBlobRow = Selectable<MediaDerivedBlobsTable>;
export type MediaTombstoneRow = Selectable<MediaTombstonesTable>;

export interface PagesTable {
  id: string;
  /** Path segment of /p/<slug>/: readable words from the title, then a random part. */
  slug: string;
  title: string;
  /** The page as served: scripts removed, images pointing at public media. */
  html: string;
  html_sha256: string;
  /** 1 when search engines may index the page; pages are served with X-Robots-Tag: noindex otherwise. */
  indexable: number;
  /** JSON array of the personal-data findings the editor confirmed when publishing. */
  confirmed_findings: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  unpublished_at: string | null;
}

export type PageRow = Selectable<PagesTable>;
export type PageUpdate = Updateable<PagesTable>;

export interface SessionsTable {
  /** SHA-256 of the session cookie's value, hex: the cookie itself is never stored. */
  token_hash: string;
  user_id: string;
  /** Sent back by the web interface in a header on every state-changing request. */
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  /** Subject the failure counts against: `account:<e-mail>` or `address:<IP address>`. */
  subject: string;
  failed_at: string;
}

export type SessionRow = Selectable<SessionsTable>;

export interface BlobClaimsTable {
  sha256: string;
  /** The claim's random id: only its holder releases it. */
  holder: string;
  /** After this time the holder is presumed dead, and another process may claim the blob. */
  expires_at: string;
}
