import cluster, { type Worker } from 'node:cluster';

import type { Logger } from 'pino';

import type { Settings } from '../config/settings.js';
import { prepareDataDirectory } from '../server.js';

/** Pause before replacing a worker that died, so a worker failing at start does not spin the CPU. */
const RESTART_DELAY_MS = 1000;
/**
 * Failed starts per worker, in a row with no worker listening, after which the primary gives up. A port
 * already in use fails every worker the same way, so restarting them forever would only repeat the error.
 */
const FAILED_STARTS_PER_WORKER = 2;

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
  // Workers that are listening, by id, and workers in a row that exited before they listened.
  const listening = new Set<number>();
  let failedStarts = 0;
  cluster.on('listening', (worker) => {
    listening.add(worker.id);
    failedStarts = 0;
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (!listening.delete(worker.id)) failedStarts += 1;
    if (listening.size === 0 && failedStarts >= settings.workers * FAILED_STARTS_PER_WORKER) {
      logger.error({ failedStarts, code, signal }, 'server workers exited before listening (see the error above); stopping');
      stop({ reason: 'workers failed to start' }, 1);
      return;
    }
    logger.error({ workerPid: worker.process.pid, code, signal }, 'server worker exited; starting another');
    // Not unref'd: with every worker gone, this timer is what keeps the primary running until the next fork.
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS);
  });
  for (let index = 0; index < settings.workers; index += 1) fork();
  logger.info({ workers: settings.workers }, 'started server workers');

  function stop(cause: { signal: NodeJS.Signals } | { reason: string }, exitCode = 0): void {
    if (stopping) return;
    stopping = true;
    logger.info(cause, 'stopping server workers');
    const running = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    let left = running.length;
    if (left === 0) process.exit(exitCode);
    for (const worker of running) {
      worker.once('exit', () => {
        left -= 1;
        if (left === 0) process.exit(exitCode);
      });
      worker.process.kill('SIGTERM');
    }
  }
  process.on('SIGTERM', (signal) => stop({ signal }));
  process.on('SIGINT', (signal) => stop({ signal }));
}
