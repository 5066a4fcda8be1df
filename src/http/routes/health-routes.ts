import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';

import type { Database } from '../../db/database.js';

export interface HealthRoutesOptions {
  readonly db: Database;
  readonly dataDir: string;
}

type CheckResult = 'ok' | 'failed';

/** `GET /healthz`: 200 when the database answers and the data directory is writable, 503 otherwise. */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', async (request, reply) => {
    const checks: Record<string, CheckResult> = {
      database: await runCheck(() => sql`select 1`.execute(options.db)),
      dataDir: await runCheck(() => access(options.dataDir, constants.R_OK | constants.W_OK)),
    };
    const healthy = Object.values(checks).every((result) => result === 'ok');
    if (!healthy) request.log.warn({ checks }, 'health check failed');
    return reply
      .code(healthy ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: healthy ? 'ok' : 'failed', checks });
  });
}

async function runCheck(check: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await check();
    return 'ok';
  } catch {
    return 'failed';
  }
}
