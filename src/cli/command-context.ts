import { loadConfiguredSettings, type ConfiguredSettings } from '../config/settings-file.js';
import { createLogger } from '../logging/logger.js';
import { inspectDataDirectory, MissingInstallationError } from '../ops/data-directory.js';
import { openVitrail, type Vitrail } from '../vitrail.js';

export interface CommandOptions {
  /**
   * Whether the command may start a new installation in a data directory without a database, as the
   * first `user add` does. Commands that read, change or back up an existing installation leave it false,
   * so that a mistyped VITRAIL_DATA_DIR fails instead of creating an empty installation.
   */
  readonly createIfMissing?: boolean;
}

/**
 * Runs an administrative command on the data directory of the settings (environment, then VITRAIL_CONFIG). Logs go to
 * standard error so that standard output carries only the command's result (a token, a table).
 */
export async function withVitrail<T>(run: (vitrail: Vitrail) => Promise<T>, options: CommandOptions = {}): Promise<T> {
  const configured = loadConfiguredSettings();
  const settings = configured.settings;
  const createIfMissing = options.createIfMissing ?? false;
  const state = await inspectDataDirectory(settings.dataDir);
  if (state !== 'installation') {
    if (!createIfMissing || state === 'not-a-directory' || state === 'blobs-without-database') {
      throw new MissingInstallationError(settings.dataDir, state, describeDataDirSource(configured));
    }
    process.stderr.write(`No installation in ${settings.dataDir} yet: creating a new one there.\n`);
  }

  const logger = createLogger({ level: settings.logLevel === 'info' ? 'warn' : settings.logLevel, pretty: false, fd: 2 });
  const vitrail = await openVitrail(settings, logger, { createIfMissing });
  try {
    return await run(vitrail);
  } finally {
    await vitrail.close();
  }
}

/** Returns a sentence that names where the data directory setting came from, so that an operator sees which value to fix. */
export function describeDataDirSource(configured: ConfiguredSettings): string {
  const origin = configured.origins.find((entry) => entry.variable === 'VITRAIL_DATA_DIR');
  if (origin?.source === 'environment') return `VITRAIL_DATA_DIR is "${origin.value ?? ''}" in the environment: check it for a typo.`;
  if (origin?.source === 'file') return `data_dir is "${origin.value ?? ''}" in ${configured.configFile ?? 'the settings file'}: check it for a typo.`;
  return 'VITRAIL_DATA_DIR is not set, so the default ./data of the current directory applies: set VITRAIL_DATA_DIR, or run the command where data/ is.';
}
