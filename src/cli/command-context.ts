import { loadConfiguredSettings } from '../config/settings-file.js';
import type { Settings } from '../config/settings.js';
import { createLogger } from '../logging/logger.js';
import { openVitrail, type Vitrail } from '../vitrail.js';

/**
 * Runs an administrative command on the data directory of the settings (environment, then VITRAIL_CONFIG). Logs go to
 * standard error so that standard output carries only the command's result (a token, a table).
 */
export async function withVitrail<T>(run: (vitrail: Vitrail) => Promise<T>): Promise<T> {
  const settings: Settings = loadConfiguredSettings().settings;
  const logger = createLogger({ level: settings.logLevel === 'info' ? 'warn' : settings.logLevel, pretty: false, fd: 2 });
  const vitrail = await openVitrail(settings, logger);
  try {
    return await run(vitrail);
  } finally {
    await vitrail.close();
  }
}
