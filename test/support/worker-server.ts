import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';

import pino from 'pino';

import { loadSettings } from '../../src/config/settings.js';
import { openVitrail } from '../../src/vitrail.js';
import { freePort } from './nginx.js';
import { VITRAIL_BIN } from './server-process.js';
import { TEST_PASSWORD } from './test-server.js';

export interface WorkerServer {
  /** Base URL, such as http://127.0.0.1:41234. */
  readonly url: string;
  /** API token of editor@example.org, whose password is TEST_PASSWORD. */
  readonly token: string;
  /** Statuses of GETs, each on a new connection, so that node:cluster hands them to every worker in turn. */
  statusesOnNewConnections(urlPath: string, headers: Record<string, string>, count?: number): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * Starts `vitrail serve` with `workers` processes on a fixed free port of 127.0.0.1, over `dataDir` with an
 * editor and their token made beforehand, and resolves once /healthz responds.
 */
export async function spawnWorkers(dataDir: string, workers: number, env: Record<string, string> = {}): Promise<WorkerServer> {
  const vitrail = await openVitrail(loadSettings({ VITRAIL_DATA_DIR: dataDir }), pino({ level: 'silent' }));
  let token: string;
  try {
    await vitrail.users.addUser('editor@example.org', TEST_PASSWORD, 'editor');
    token = (await vitrail.tokens.createToken('editor@example.org', 'test')).token;
  } finally {
    await vitrail.close();
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [VITRAIL_BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      VITRAIL_DATA_DIR: dataDir,
      VITRAIL_HOST: '127.0.0.1',
      VITRAIL_PORT: String(port),
      VITRAIL_WORKERS: String(workers),
      VITRAIL_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  while ((await fetch(`${url}/healthz`).then((response) => response.status, () => 0)) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      assert.fail(`vitrail serve with ${workers} workers did not answer /healthz within 30 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    token,
    statusesOnNewConnections: async (urlPath, headers, count = 8) => {
      const statuses: number[] = [];
      for (let probe = 0; probe < count; probe += 1) statuses.push(await statusOnNewConnection(`${url}${urlPath}`, headers));
      return statuses;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function statusOnNewConnection(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}
