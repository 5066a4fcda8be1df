import type { Logger } from 'pino';

/** One periodic cleanup: its name for the log, and the work, which returns how many items it deleted. */
export interface HousekeepingTask {
  readonly name: string;
  run(): Promise<number>;
}

/** Time between two rounds of cleanup, in milliseconds. */
const HOUSEKEEPING_INTERVAL_MS = 60 * 60_000;

/**
 * Runs cleanups once now and then every hour until stopped: expired sessions, old sign-in failures and
 * abandoned resumable uploads. Each instance may run them, since deleting what has expired twice is harmless.
 */
export function startHousekeeping(tasks: readonly HousekeepingTask[], logger: Logger): { stop(): void } {
  const runAll = async (): Promise<void> => {
    for (const task of tasks) {
      try {
        const deleted = await task.run();
        if (deleted > 0) logger.info({ task: task.name, deleted }, 'housekeeping deleted expired items');
      } catch (error) {
        logger.error({ err: error, task: task.name }, 'housekeeping task failed; it runs again at the next round');
      }
    }
  };
  void runAll();
  const timer = setInterval(() => void runAll(), HOUSEKEEPING_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
