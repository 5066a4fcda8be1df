import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

import type { Settings } from './config/settings.js';
import { buildApp } from './http/app.js';
import { listenOrExplain } from './http/listen-failure.js';
import { maskEmail } from './logging/logger.js';
import { findPublicUrlWarnings } from './config/public-url-warnings.js';
import { startMetricsListener } from './ops/http-metrics.js';
import { IdleMemoryRelease } from './ops/idle-memory-release.js';
import { holdNextTickShape } from './ops/next-tick-shape.js';
import { createMaintenanceScheduler } from './ops/maintenance-tasks.js';
import type { MaintenanceScheduler } from './ops/maintenance.js';
import { systemClock } from './time/clock.js';
import { MediaChangeFeed } from './serving/media-change-feed.js';
import { openVitrail, type OpenOptions, type Vitrail } from './vitrail.js';

export interface StartOptions extends OpenOptions {
  /**
   * false in cluster workers: the primary process has already run the start-up tasks, and a worker removing
   * staging leftovers could delete an upload that another worker is receiving.
   */
  readonly runStartupTasks?: boolean;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly vitrail: Vitrail;
  /** Base URL the server listens on, such as http://127.0.0.1:8080. */
  readonly address: string;
  /** The in-process maintenance schedule; started unless VITRAIL_MAINTENANCE is off. */
  readonly maintenance: MaintenanceScheduler;
  /** Base URL of the separate /metrics listener, or null when /metrics is off or on the main address. */
  readonly metricsAddress: string | null;
  /** Stops taking requests, lets running ones finish, then closes the database. */
  close(): Promise<void>;
}

/**
 * Starts a server on a data directory: migrations, cleanup of interrupted uploads, the first admin, then
 * listening. Used by `vitrail serve` and by the tests, which listen on port 0.
 */
export async function startServer(settings: Settings, logger: Logger, options: StartOptions = {}): Promise<RunningServer> {
  const vitrail = await openVitrail(settings, logger, options);
  let app: FastifyInstance | null = null;
  try {
    if (options.runStartupTasks !== false) await runStartupTasks(vitrail);

    const built = await buildApp(vitrail);
    app = built;
    const address = await listenOrExplain(() => built.listen({ host: settings.host, port: settings.port }), {
      host: settings.host,
      port: settings.port,
      hostSetting: 'VITRAIL_HOST',
      portSetting: 'VITRAIL_PORT',
    });
    if (settings.port === 0 && !settings.publicUrlIsSet) vitrail.links.useListeningAddress(address);
    for (const warning of findPublicUrlWarnings(vitrail.links.base)) logger.warn({ publicUrl: vitrail.links.base }, warning);
    logger.info({ address, publicUrl: vitrail.links.base, dataDir: settings.dataDir }, 'Vitrail started');
    const metricsListen = settings.ops.metrics.enabled ? settings.ops.metrics.listen : null;
    const metricsListener = metricsListen === null ? null : await startMetricsListener(vitrail.metrics, metricsListen.host, metricsListen.port);
    if (metricsListener !== null) logger.info({ address: metricsListener.address }, 'metrics listening');
    const maintenance = createMaintenanceScheduler(vitrail, options.clock ?? systemClock);
    if (settings.ops.maintenance) maintenance.start();
    holdNextTickShape();
    const idleMemory = new IdleMemoryRelease({ logger });
    idleMemory.start();

    return {
      app: built,
      vitrail,
      address,
      maintenance,
      metricsAddress: metricsListener?.address ?? null,
      close: async () => {
        idleMemory.stop();
        await maintenance.stop();
        await metricsListener?.close();
        await built.close();
        await vitrail.close();
        logger.info('Vitrail stopped');
      },
    };
  } catch (error) {
    // A listener left open would keep the process alive after the CLI has reported the failure.
    await app?.close();
    await vitrail.close();
    throw error;
  }
}

/**
 * Prepares a data directory for serving: migrations (through openVitrail), removal of interrupted uploads,
 * pruning of the change journal, the first admin. Run once per start, before any worker listens.
 */
export async function prepareDataDirectory(settings: Settings, logger: Logger, options: OpenOptions = {}): Promise<void> {
  const vitrail = await openVitrail(settings, logger, options);
  let app: FastifyInstance | null = null;
  try {
    await runStartupTasks(vitrail);
  } finally {
    await vitrail.close();
  }
}

async function runStartupTasks(vitrail: Vitrail): Promise<void> {
  const { logger, settings } = vitrail;
  const removed = await vitrail.staging.removeLeftovers();
  if (removed > 0) logger.info({ removed }, 'removed leftovers of interrupted uploads');
  const pruned = MediaChangeFeed.prune(settings.dataDir, new Date());
  if (pruned > 0) logger.info({ pruned }, 'pruned old entries of the media change journal');
  await ensureFirstAdmin(vitrail);
  await vitrail.publicMirror?.rebuild();
}

/** Creates the first admin from the settings, or logs how to create one, while no user exists. */
async function ensureFirstAdmin(vitrail: Vitrail): Promise<void> {
  if ((await vitrail.users.countUsers()) > 0) return;
  const initial = vitrail.settings.initialAdmin;
  if (initial === null) {
    vitrail.logger.warn(
      'No user exists yet. Create the first admin with: npx vitrail user add <email> --role admin ' +
        '(or set VITRAIL_ADMIN_EMAIL and VITRAIL_ADMIN_PASSWORD before starting)',
    );
    return;
  }
  const admin = await vitrail.users.addUser(initial.email, initial.password, 'admin');
  vitrail.logger.info({ userId: admin.id, email: maskEmail(admin.email) }, 'created the first admin from VITRAIL_ADMIN_EMAIL');
}
