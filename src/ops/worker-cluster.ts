import cluster, { type Worker } from 'node:cluster';

import type { Logger } from 'pino';

import type { Settings } from '../config/settings.js';
import { prepareDataDirectory } from '../server.js';

/** Pause before replacing a worker that died, so a worker failing at start does not spin the CPU. */
const RESTART_DELAY_MS = 1000;

/**
 * Runs the primary process of `vitrail serve` with VITRAIL_WORKERS above 1: prepares the data directory
 * once, then forks that many workers that share the listening port through node:cluster, replaces any that
 * dies, and stops them all on SIGTERM or SIGINT. Workers share no memory: each has its own cache, kept
 * exact through the database's media change journal.
 */
export async function runWorkerCluster(settings: Settings, logger: Logger): Promise<void> {
  await prepareDataDirectory(settings, logger);

  let stopping = false;
  const fork = (): Worker => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ workerPid: worker.process.pid, code, signal }, 'server worker exited; starting another');
    setTimeout(fork, RESTART_DELAY_MS).unref();
  });
  for (let index = 0; index < settings.workers; index += 1) fork();
  logger.info({ workers: settings.workers }, 'started server workers');

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping server workers');
    const running = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    let left = running.length;
    if (left === 0) process.exit(0);
    for (const worker of running) {
      worker.once('exit', () => {
        left -= 1;
        if (left === 0) process.exit(0);
      });
      worker.process.kill('SIGTERM');
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
