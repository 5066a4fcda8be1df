import { Command } from 'commander';

import { isSecretVariable, loadConfiguredSettings } from '../config/settings-file.js';
import { DATABASE_FILE_NAME } from '../db/database.js';
import { inspectDataDirectory, type DataDirectoryState } from '../ops/data-directory.js';
import { printTable } from './table.js';

/** Description of each data directory state in `vitrail config`, so that a wrong VITRAIL_DATA_DIR shows at once. */
const DATA_DIRECTORY_STATES: Readonly<Record<DataDirectoryState, string>> = {
  installation: `${DATABASE_FILE_NAME} found`,
  missing: 'does not exist',
  'not-a-directory': 'not a directory',
  empty: `no ${DATABASE_FILE_NAME}`,
  'blobs-without-database': `stored files but no ${DATABASE_FILE_NAME}`,
};

/** `vitrail config`: the effective settings, where each comes from, secrets masked. */
export function configCommand(): Command {
  return new Command('config')
    .description('print the effective settings and where each one comes from (environment, file or default)')
    .action(async () => {
      const configured = loadConfiguredSettings();
      process.stdout.write(`Settings file: ${configured.configFile ?? 'none (set VITRAIL_CONFIG to use one)'}\n`);
      const dataDir = configured.settings.dataDir;
      process.stdout.write(`Data directory: ${dataDir} (${DATA_DIRECTORY_STATES[await inspectDataDirectory(dataDir)]})\n\n`);
      printTable(
        ['VARIABLE', 'VALUE', 'SOURCE'],
        configured.origins.map((origin) => [
          origin.variable,
          origin.value === undefined ? '(default)' : isSecretVariable(origin.variable) ? '********' : origin.value,
          origin.source === 'file' ? `file ${configured.configFile ?? ''}` : origin.source,
        ]),
      );
      process.stdout.write('\nEffective values:\n');
      process.stdout.write(`${JSON.stringify(maskSecrets(configured.settings), null, 2)}\n`);
    });
}

/** Replaces every value under a secret-looking key, at any depth, before printing. */
function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, isSecretVariable(key.toUpperCase()) ? '********' : maskSecrets(inner)]),
  );
}
