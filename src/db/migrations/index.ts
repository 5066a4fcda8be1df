import type { Migration, MigrationProvider } from 'kysely';

import * as initial from './0001-initial.js';
import * as imageRenditions from './0002-image-renditions.js';
import * as webInterface from './0003-web-interface.js';
import * as pages from './0004-pages.js';
import * as permanentLinks from './0005-permanent-links.js';
import * as maintenanceLeases from './0006-maintenance-leases.js';
import * as mediaJournalAndSearch from './0007-media-journal-and-search.js';
import * as blobClaims from './0008-blob-claims.js';

/**
 * Every schema migration, in order. Names sort in the order they apply, and a shipped migration never
 * changes: a new schema change is a new entry.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-image-renditions': imageRenditions,
  '0003-web-interface': webInterface,
  '0004-pages': pages,
  '0005-permanent-links': permanentLinks,
  '0006-maintenance-leases': maintenanceLeases,
  '0007-media-journal-and-search': mediaJournalAndSearch,
  '0008-blob-claims': blobClaims,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
