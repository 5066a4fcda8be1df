import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Tables as Kysely sees them. Columns use types every SQL database shares: text ids, ISO 8601 timestamps
 * in text, integers, so a PostgreSQL backend can implement the same repositories.
 */
export interface DatabaseSchema {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  media: MediaTable;
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
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type MediaRow = Selectable<MediaTable>;
export type NewMediaRow = Insertable<MediaTable>;
export type MediaUpdate = Updateable<MediaTable>;
