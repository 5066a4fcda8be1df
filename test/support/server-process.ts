import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const VITRAIL_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/vitrail.js');

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Base URL the server listens on. */
  readonly url: string;
  /** Everything the server wrote to standard output so far. */
  output(): string;
  /** Waits for the process to exit; returns its exit code, or the signal that ended it. */
  exited(): Promise<number | NodeJS.Signals | null>;
}

/**
 * Starts `vitrail serve` as a separate process on port 0 of 127.0.0.1, as an operator would, and resolves
 * once it logs its listening address. Tests that kill the server use this instead of an in-process server.
 */
export async function spawnServer(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [VITRAIL_BIN, 'serve'], {
    // The listening address is read from the info-level start line, so the level stays at info.
    env: { PATH: process.env.PATH ?? '', VITRAIL_HOST: '127.0.0.1', VITRAIL_PORT: '0', ...env, VITRAIL_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal));
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vitrail serve did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      resolve(match[1]);
    };
    child.stdout?.on('data', check);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`vitrail serve exited before listening:\n${output}`));
    });
  });

  return { child, url, output: () => output, exited: () => exit };
}
