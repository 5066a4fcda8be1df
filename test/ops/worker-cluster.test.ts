import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import pino from 'pino';

import { loadSettings } from '../../src/config/settings.js';
import { openVitrail } from '../../src/vitrail.js';
import { freePort } from '../support/nginx.js';
import { occupyPort } from '../support/occupied-port.js';

const CLI = fileURLToPath(new URL('../../../bin/vitrail.js', import.meta.url));
const WORKERS = 2;
/** Requests on fresh connections: node:cluster hands connections to workers in turn, so each worker gets several. */
const PROBES = 12;

/** GET on a new connection each time, so that successive requests reach different workers. */
function statusOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function statusesOnNewConnections(url: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let probe = 0; probe < PROBES; probe += 1) statuses.push(await statusOnNewConnection(url));
  return statuses;
}

describe('vitrail serve with VITRAIL_WORKERS=2', () => {
  let dataDir: string;
  let child: ChildProcess;
  let base: string;
  let token: string;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-workers-'));
    const vitrail = await openVitrail(loadSettings({ VITRAIL_DATA_DIR: dataDir }), pino({ level: 'silent' }));
    try {
      await vitrail.users.addUser('editor@example.org', 'correct horse battery', 'editor');
      token = (await vitrail.tokens.createToken('editor@example.org', 'test')).token;
    } finally {
      await vitrail.close();
    }

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [CLI, 'serve'], {
      env: { ...process.env, VITRAIL_DATA_DIR: dataDir, VITRAIL_PORT: String(port), VITRAIL_WORKERS: String(WORKERS), VITRAIL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${base}/healthz`).then((response) => response.status, () => 0)) !== 200) {
      assert.ok(Date.now() < deadline, 'the server answers /healthz within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(async () => {
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  const uploadPublic = async (name: string): Promise<{ id: string; url: string }> => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from(`%PDF-1.4\n${name}\n%%EOF\n`)]), name);
    const response = await fetch(`${base}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    assert.equal(response.status, 201);
    return (await response.json()) as { id: string; url: string };
  };

  it('hides a media in every worker once made private', async () => {
    const media = await uploadPublic('avis.pdf');
    assert.deepEqual(await statusesOnNewConnections(media.url), Array(PROBES).fill(200));

    const changed = await fetch(`${base}/api/v1/media/${media.id}?confirm=true`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ visibility: 'private' }),
    });
    assert.equal(changed.status, 200);
    assert.deepEqual(await statusesOnNewConnections(media.url), Array(PROBES).fill(404));
  });

  it('stops serving a trashed media in every worker', async () => {
    const media = await uploadPublic('convocation.pdf');
    assert.deepEqual(await statusesOnNewConnections(media.url), Array(PROBES).fill(200));

    const trashed = await fetch(`${base}/api/v1/media/${media.id}?confirm=true`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.equal(trashed.status, 200);
    const statuses = await statusesOnNewConnections(media.url);
    assert.ok(statuses.every((status) => status !== 200), `no worker serves it: ${statuses.join(', ')}`);
  });

  it('stops its workers on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});

describe('vitrail serve with workers on a port in use', () => {
  it('reports the port and exits 1', async () => {
    const occupied = await occupyPort();
    const port = occupied.port;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-workers-taken-'));
    try {
      const child = spawn(process.execPath, [CLI, 'serve'], {
        env: { PATH: process.env.PATH ?? '', VITRAIL_DATA_DIR: dataDir, VITRAIL_HOST: '127.0.0.1', VITRAIL_PORT: String(port), VITRAIL_WORKERS: '2' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const [code] = (await once(child, 'exit')) as [number | null];
      clearTimeout(timer);

      assert.equal(code, 1, output);
      assert.match(output, /another program already uses this port\. Stop it, or set VITRAIL_PORT to a free port/);
      assert.match(output, /server workers exited before listening/);
    } finally {
      occupied.release();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
