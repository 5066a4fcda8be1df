import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import pino from 'pino';

import { loadSettings } from '../src/config/settings.js';
import { openVitrail } from '../src/vitrail.js';
import type { BenchFile } from './bench-files.js';
import { startChildServer, type ChildServer } from './child-server.js';

const CLI = fileURLToPath(new URL('../../bin/vitrail.js', import.meta.url));
const BENCH_EMAIL = 'bench@example.org';
const BENCH_PASSWORD = 'benchmark password, not a secret';

/** Creates the benchmark's admin and returns an API token for it, through Vitrail's own services. */
export async function createBenchToken(dataDir: string): Promise<string> {
  const vitrail = await openVitrail(loadSettings({ VITRAIL_DATA_DIR: dataDir }), pino({ level: 'silent' }));
  try {
    await vitrail.users.addUser(BENCH_EMAIL, BENCH_PASSWORD, 'admin');
    return (await vitrail.tokens.createToken(BENCH_EMAIL, 'benchmark')).token;
  } finally {
    await vitrail.close();
  }
}

/**
 * Starts `vitrail serve` as a separate process, as an operator would run it. Logs only warnings, since the
 * nginx reference runs without an access log too.
 */
export async function startVitrail(name: string, dataDir: string, port: number, env: Record<string, string> = {}): Promise<ChildServer> {
  return startChildServer(name, process.execPath, [CLI, 'serve'], port, {
    env: {
      ...process.env,
      VITRAIL_DATA_DIR: dataDir,
      VITRAIL_HOST: '127.0.0.1',
      VITRAIL_PORT: String(port),
      VITRAIL_LOG_LEVEL: 'warn',
      ...env,
    },
  });
}

/** Uploads each file through the HTTP API; returns each file's public path, /m/<id>/<name>. */
export async function uploadBenchFiles(server: ChildServer, token: string, directory: string, files: readonly BenchFile[]): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const file of files) {
    const form = new FormData();
    form.append('file', new Blob([await readFile(path.join(directory, file.name))], { type: 'application/pdf' }), file.name);
    const response = await fetch(`http://127.0.0.1:${server.port}/api/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    if (response.status !== 201) throw new Error(`upload of ${file.name} failed: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { url: string };
    paths.set(file.label, new URL(body.url).pathname);
  }
  return paths;
}
