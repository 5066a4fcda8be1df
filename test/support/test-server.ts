import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pino from 'pino';

import { loadSettings } from '../../src/config/settings.js';
import type { Role } from '../../src/db/schema.js';
import { startServer, type RunningServer } from '../../src/server.js';

export interface TestServer {
  /** Base URL, such as http://127.0.0.1:41234. */
  readonly url: string;
  readonly dataDir: string;
  readonly server: RunningServer;
  /** Token of an admin created at start. */
  readonly adminToken: string;
  /** Token of an editor created at start. */
  readonly editorToken: string;
  /** Creates another user with a token; returns the token. */
  createUserToken(email: string, role: Role): Promise<string>;
  close(): Promise<void>;
}

/** A password that passes the length rule, for accounts made by tests. */
export const TEST_PASSWORD = 'correct horse battery';

/**
 * Starts a real server on 127.0.0.1, port 0, over a new temporary data directory with a real SQLite file.
 * `env` adds or overrides VITRAIL_* settings.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = env.VITRAIL_DATA_DIR ?? (await mkdtemp(path.join(os.tmpdir(), 'vitrail-test-')));
  const settings = loadSettings({ VITRAIL_DATA_DIR: dataDir, VITRAIL_HOST: '127.0.0.1', VITRAIL_PORT: '0', ...env });
  const logger = pino({ level: process.env.VITRAIL_TEST_LOG_LEVEL ?? 'silent' });
  const server = await startServer(settings, logger);

  const createUserToken = async (email: string, role: Role): Promise<string> => {
    await server.vitrail.users.addUser(email, TEST_PASSWORD, role);
    return (await server.vitrail.tokens.createToken(email, 'test')).token;
  };
  const adminToken = await createUserToken('admin@example.org', 'admin');
  const editorToken = await createUserToken('editor@example.org', 'editor');

  return {
    url: server.address,
    dataDir,
    server,
    adminToken,
    editorToken,
    createUserToken,
    close: async () => {
      await server.close();
      if (env.VITRAIL_DATA_DIR === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
