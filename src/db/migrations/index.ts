import type { Migration, MigrationProvider } from 'kysely';

import * as initial from './0001-initial.js';

/**
 * Every schema migration, in order. Names sort in the order they apply, and a shipped migration never
 * changes: a new schema change is a new entry.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
