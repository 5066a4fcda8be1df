import type { Dir } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';

import { DATABASE_FILE_NAME } from '../db/database.js';
import { isNotFound, pathExists } from '../storage/file-presence.js';
import { OperationError } from './operation-error.js';

/** Folder of the blob store inside a data directory. */
export const BLOB_DIRECTORY = 'blobs';

/**
 * State of a data directory. `installation` has a database. `empty` is a directory with no database
 * and no stored blobs, so a new installation may start there. `blobs-without-database` has stored blobs
 * but no database: it was an installation whose database is gone.
 */
export type DataDirectoryState = 'installation' | 'missing' | 'not-a-directory' | 'empty' | 'blobs-without-database';

export async function inspectDataDirectory(dataDir: string): Promise<DataDirectoryState> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dataDir)).isDirectory();
  } catch (error) {
    // ENOTDIR: a parent of the path is a file, so the path does not exist either.
    if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return 'missing';
    throw error;
  }
  if (!isDirectory) return 'not-a-directory';
  if (await pathExists(path.join(dataDir, DATABASE_FILE_NAME))) return 'installation';
  return (await hasEntries(path.join(dataDir, BLOB_DIRECTORY))) ? 'blobs-without-database' : 'empty';
}

/**
 * Raised when a command needs an existing installation and the data directory has none, or when a new
 * installation would start beside the blobs of one whose database is gone. The CLI prints it without a
 * stack trace and exits with status 2, as for an invalid setting.
 */
export class MissingInstallationError extends OperationError {
  constructor(
    readonly dataDir: string,
    readonly state: Exclude<DataDirectoryState, 'installation'>,
    /** Sentence that names where the data directory setting came from, when the caller knows it. */
    settingSource?: string,
  ) {
    super(describeMissingInstallation(dataDir, state, settingSource));
    this.name = 'MissingInstallationError';
  }
}

function describeMissingInstallation(dataDir: string, state: Exclude<DataDirectoryState, 'installation'>, settingSource?: string): string {
  const source = settingSource === undefined ? '' : `\n${settingSource}`;
  const createHint =
    '\nTo create a new installation there instead, start the server once ("vitrail serve") or add the first user ' +
    '("vitrail user add <email> --role admin").';
  switch (state) {
    case 'missing':
      return `No Vitrail installation at ${dataDir}: the directory does not exist.${source}${createHint}`;
    case 'empty':
      return `No Vitrail installation in ${dataDir}: the directory has no ${DATABASE_FILE_NAME}.${source}${createHint}`;
    case 'not-a-directory':
      return `No Vitrail installation at ${dataDir}: it is a file, not a directory.${source}\nSet the data directory to the directory that contains ${DATABASE_FILE_NAME}.`;
    case 'blobs-without-database':
      return (
        `The data directory ${dataDir} has stored files (${BLOB_DIRECTORY}/) but no ${DATABASE_FILE_NAME}: its database is missing.${source}\n` +
        `Restore the database from a backup with "vitrail restore <file> --force". A new database there would count every stored ` +
        `file as unreferenced, so to start a new installation, move ${BLOB_DIRECTORY}/ out of the directory first.`
      );
  }
}

async function hasEntries(directory: string): Promise<boolean> {
  let entries: Dir;
  try {
    entries = await opendir(directory);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
  try {
    return (await entries.read()) !== null;
  } finally {
    await entries.close();
  }
}
