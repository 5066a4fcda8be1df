import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { VITRAIL_BIN } from '../support/server-process.js';


/** Runs `vitrail serve` until it logs that it started, then stops it; returns what it wrote on standard output. */
async function startupOutput(env: Record<string, string>): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-logs-'));
  const child = spawn(process.execPath, [VITRAIL_BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', VITRAIL_DATA_DIR: dataDir, VITRAIL_PORT: '0', VITRAIL_MAINTENANCE: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start line within 15 s:\n${output}`)), 15_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Vitrail started')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${String(code)}:\n${output}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
  return output;
}

describe('server log format', () => {
  it('writes JSON lines by default', async () => {
    const line = (await startupOutput({})).split('\n').find((candidate) => candidate.includes('Vitrail started')) ?? '';
    const parsed = JSON.parse(line) as { level: number; msg: string };
    assert.equal(parsed.msg, 'Vitrail started');
    assert.equal(parsed.level, 30);
  });

  it('writes readable lines with VITRAIL_LOG_FORMAT=pretty', async () => {
    const line = (await startupOutput({ VITRAIL_LOG_FORMAT: 'pretty' })).split('\n').find((candidate) => candidate.includes('Vitrail started')) ?? '';
    assert.match(line, /^\[\d{4}-\d{2}-\d{2} [\d:.]+ [+-]\d{4}\] INFO \(\d+\): Vitrail started/);
  });
});
