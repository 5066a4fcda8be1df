import cluster from 'node:cluster';

import { Command } from 'commander';

import { loadConfiguredSettings } from '../config/settings-file.js';
import { createLogger } from '../logging/logger.js';
import { runWorkerCluster } from '../ops/worker-cluster.js';
import { startServer } from '../server.js';

/** How long a graceful stop may take before the process exits anyway, in milliseconds. */
const STOP_TIMEOUT_MS = 10_000;

/** `vitrail serve`: runs the server until SIGTERM or SIGINT, then stops gracefully. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('start the server; settings come from VITRAIL_* environment variables and the VITRAIL_CONFIG file')
    .action(async () => {
      const settings = loadConfiguredSettings().settings;
      const logger = createLogger({ level: settings.logLevel, pretty: settings.logPretty });
      if (settings.workers > 1 && cluster.isPrimary) {
        await runWorkerCluster(settings, logger);
        return;
      }
      const server = await startServer(settings, logger, { runStartupTasks: cluster.isPrimary });

      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping: finishing requests in progress');
        const forced = setTimeout(() => {
          logger.error({ timeoutMs: STOP_TIMEOUT_MS }, 'requests still running after the stop timeout; exiting');
          process.exit(1);
        }, STOP_TIMEOUT_MS);
        forced.unref();
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'error while stopping');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
