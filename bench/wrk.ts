import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One wrk measurement of one URL. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  /** Mebibytes per second, as wrk reports its Transfer/sec (1 MiB = 1,048,576 bytes). */
  readonly mebibytesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Socket errors (connect, read, write) plus responses outside 2xx and 3xx. */
  readonly errors: number;
  /** Requests without a response when wrk's timeout passed: slow responses, not failed ones. */
  readonly timeouts: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly threads: number;
  /** Seconds after which wrk counts a request as timed out. */
  readonly timeoutSeconds: number;
}

/** Drives one URL with wrk (keep-alive connections, GET) and parses its report. */
export async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    `--timeout`,
    `${options.timeoutSeconds}s`,
    '--latency',
    options.url,
  ];
  const { stdout } = await run('wrk', args, { maxBuffer: 1024 * 1024 });
  return parseWrkReport(stdout);
}

export function parseWrkReport(report: string): LoadResult {
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(report);
    if (match?.[1] === undefined) throw new Error(`wrk report without ${pattern.source}:\n${report}`);
    return Number(match[1]);
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report);
  const socketErrorCount = socketErrors === null ? 0 : socketErrors.slice(1, 4).reduce((sum, value) => sum + Number(value), 0);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(report);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    mebibytesPerSecond: parseSize(/Transfer\/sec:\s+([\d.]+[KMG]?B)/.exec(report)?.[1] ?? '0B') / 1024 ** 2,
    p50Ms: parseDuration(/ 50%\s+([\d.]+(?:us|ms|s|m))/.exec(report)?.[1]),
    p99Ms: parseDuration(/ 99%\s+([\d.]+(?:us|ms|s|m))/.exec(report)?.[1]),
    errors: socketErrorCount + (non2xx === null ? 0 : Number(non2xx[1])),
    timeouts: socketErrors === null ? 0 : Number(socketErrors[4]),
  };
}

/** wrk prints sizes with binary prefixes: 1KB is 1,024 bytes. */
function parseSize(text: string): number {
  const match = /^([\d.]+)([KMG]?)B$/.exec(text);
  if (match === null) throw new Error(`unexpected wrk size "${text}"`);
  const power = { '': 0, K: 1, M: 2, G: 3 }[match[2] as '' | 'K' | 'M' | 'G'];
  return Number(match[1]) * 1024 ** power;
}

function parseDuration(text: string | undefined): number {
  const match = text === undefined ? null : /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (match === null) return Number.NaN;
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(match[1]) * factor;
}
