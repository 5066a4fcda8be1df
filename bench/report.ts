import { spawnSync } from 'node:child_process';
import os from 'node:os';

import { IDLE_BEFORE_RELEASE_MS } from '../src/ops/idle-memory-release.js';
import type { LoadResult } from './wrk.js';

export interface Measurement extends LoadResult {
  readonly server: string;
  readonly size: string;
  readonly connections: number;
  /** Peak resident memory of the server's process tree during the run, in bytes. */
  readonly peakBytes: number;
}

/** A server's measurements of one size and connection count, over every round, as the report shows them. */
interface CombinedMeasurement extends Measurement {
  readonly rounds: number;
  /** Lowest and highest MiB/s of a single round. */
  readonly lowestMebibytesPerSecond: number;
  readonly highestMebibytesPerSecond: number;
}

export interface ServerSummary {
  readonly server: string;
  /** Resident memory once idle after start, before uploads and load, in bytes. */
  readonly idleBytes: number;
  /** Resident memory once idle again after the whole load, in bytes. */
  readonly idleAfterLoadBytes: number;
}

export interface ReportInput {
  readonly command: string;
  readonly durationSeconds: number;
  readonly largeDurationSeconds: number;
  readonly threads: number;
  readonly timeoutSeconds: number;
  readonly rounds: number;
  readonly measurements: readonly Measurement[];
  readonly summaries: readonly ServerSummary[];
}

/**
 * Seconds a server is left without requests before its idle memory is read: long enough for Vitrail's
 * idle memory release to have run once.
 */
export const IDLE_SETTLE_SECONDS = IDLE_BEFORE_RELEASE_MS / 1000 + 2;

const REFERENCES = ['nginx', 'node:http', 'node:http, media headers', '@fastify/static'] as const;

/** Formats a run as Markdown: the machine, then one table per file size, with ratios to the references. */
export function formatReport(input: ReportInput): string {
  const lines = [
    `Command: \`${input.command}\``,
    '',
    describeMachine(),
    '',
    `wrk: ${input.threads} threads, ${input.durationSeconds} s per measurement (${input.largeDurationSeconds} s for files of 10 MB and more), ` +
      `timeout ${input.timeoutSeconds} s, keep-alive GET. Errors are wrk's connect, read and write errors and responses outside 2xx and 3xx; ` +
      `timeouts are requests without a response after ${input.timeoutSeconds} s, counted apart. Ratios compare MiB/s, which counts bytes of answers still in flight at the end, ` +
      'so they stay meaningful for large files where few requests complete. Peak RSS sums every process of the server, ' +
      'Vitrail and nginx for "nginx in front".',
    '',
    `Rounds: ${input.rounds}. Each cell is the median of its rounds for req/s, MiB/s, p50 and p99, the highest peak RSS, and the sum of ` +
      'errors and timeouts; "MiB/s range" gives the lowest and highest round. Ratios divide medians.',
    '',
    `Idle RSS is read ${IDLE_SETTLE_SECONDS} s after the server's last request: once after start, before the benchmark's uploads, and once after the whole load.`,
    '',
    '| server | idle RSS after start | idle RSS after the load |',
    '|---|---:|---:|',
    ...input.summaries.map((summary) => `| ${summary.server} | ${formatMegabytes(summary.idleBytes)} | ${formatMegabytes(summary.idleAfterLoadBytes)} |`),
  ];

  const sizes = [...new Set(input.measurements.map((measurement) => measurement.size))];
  for (const size of sizes) {
    lines.push('', `### ${size}`, '');
    lines.push(
      '| conns | server | req/s | MiB/s | MiB/s range | p50 ms | p99 ms | errors | timeouts | peak RSS | ×nginx | ×node:http | ×node:http, media headers | ×@fastify/static |',
    );
    lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const forSize = combineRounds(input.measurements.filter((measurement) => measurement.size === size));
    for (const connections of [...new Set(forSize.map((measurement) => measurement.connections))]) {
      const group = forSize.filter((measurement) => measurement.connections === connections);
      for (const measurement of group) {
        const ratios = REFERENCES.map((reference) => {
          const base = group.find((candidate) => candidate.server === reference);
          if (base === undefined || base.mebibytesPerSecond === 0) return '';
          return (measurement.mebibytesPerSecond / base.mebibytesPerSecond).toFixed(2);
        });
        lines.push(
          `| ${connections} | ${measurement.server} | ${Math.round(measurement.requestsPerSecond)} | ${measurement.mebibytesPerSecond.toFixed(0)} | ` +
            `${measurement.lowestMebibytesPerSecond.toFixed(0)}–${measurement.highestMebibytesPerSecond.toFixed(0)} | ` +
            `${measurement.p50Ms.toFixed(2)} | ${measurement.p99Ms.toFixed(2)} | ${measurement.errors} | ${measurement.timeouts} | ${formatMegabytes(measurement.peakBytes)} | ${ratios.join(' | ')} |`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Combines each server's rounds of one size and connection count into one row, in order of first appearance. */
export function combineRounds(measurements: readonly Measurement[]): CombinedMeasurement[] {
  const groups = new Map<string, Measurement[]>();
  for (const measurement of measurements) {
    const key = `${measurement.server}\u0000${measurement.size}\u0000${measurement.connections}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [measurement]);
    else group.push(measurement);
  }
  return [...groups.values()].map((group) => {
    const [first] = group as [Measurement, ...Measurement[]];
    const throughputs = group.map((measurement) => measurement.mebibytesPerSecond);
    return {
      server: first.server,
      size: first.size,
      connections: first.connections,
      rounds: group.length,
      requestsPerSecond: median(group.map((measurement) => measurement.requestsPerSecond)),
      mebibytesPerSecond: median(throughputs),
      lowestMebibytesPerSecond: Math.min(...throughputs),
      highestMebibytesPerSecond: Math.max(...throughputs),
      p50Ms: median(group.map((measurement) => measurement.p50Ms)),
      p99Ms: median(group.map((measurement) => measurement.p99Ms)),
      errors: group.reduce((sum, measurement) => sum + measurement.errors, 0),
      timeouts: group.reduce((sum, measurement) => sum + measurement.timeouts, 0),
      peakBytes: Math.max(...group.map((measurement) => measurement.peakBytes)),
    };
  });
}

/** Returns the middle value, or the mean of the two middle values for an even count. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function describeMachine(): string {
  // nginx -v and wrk -v print to stderr, and wrk -v exits with status 1.
  const version = (command: string): string => {
    const result = spawnSync(command, ['-v'], { encoding: 'utf8' });
    return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? 'unknown';
  };
  return [
    `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown model'}), ${formatMegabytes(os.totalmem())} memory, ` +
      `${os.type()} ${os.release()}, load average at the end ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}.`,
    `Versions: Node ${process.version}, ${version('/usr/sbin/nginx')}, ${version('wrk')}.`,
  ].join('\n');
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}
