import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { FILE_SIZES, writeBenchFiles, type BenchFile } from './bench-files.js';
import { freePort, startChildServer, type ChildServer } from './child-server.js';
import { startNginx } from './nginx.js';
import { PeakMemorySampler, treeResidentBytes } from './process-memory.js';
import { formatReport, type Measurement, type ServerSummary } from './report.js';
import { createBenchToken, startVitrail, uploadBenchFiles } from './vitrail-server.js';
import { runWrk } from './wrk.js';

/**
 * Public path benchmark: nginx, Vitrail, @fastify/static and a bare node:http server over the same files,
 * each driven by wrk in turn, in an order that alternates between scenarios.
 * Usage: npm run bench -- [--duration 4] [--connections 64,512] [--sizes 20KB,200KB,2MB,20MB]
 *        [--vitrail-workers 1,2] [--out report.md]
 */
const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '4' },
    connections: { type: 'string', default: '64,512' },
    sizes: { type: 'string', default: Object.keys(FILE_SIZES).join(',') },
    threads: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '10' },
    'vitrail-workers': { type: 'string', default: '' },
    out: { type: 'string', default: 'bench/results/public-path.md' },
    keep: { type: 'boolean', default: false },
  },
});

interface Target {
  readonly server: ChildServer;
  /** Path of each file by size label. */
  readonly paths: Map<string, string>;
  idleBytes: number;
}

const durationSeconds = Number(flags.duration);
const connectionCounts = flags.connections.split(',').map(Number);
const sizes = flags.sizes.split(',');
const threads = Number(flags.threads);
const timeoutSeconds = Number(flags.timeout);

const workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-bench-'));
// nginx workers drop root rights when started as root, and must still read the files.
await chmod(workDir, 0o755);
const filesDir = path.join(workDir, 'files');
await mkdir(filesDir);
const targets = new Map<string, Target>();

try {
  const files = await writeBenchFiles(filesDir, sizes);
  const staticPaths = new Map(files.map((file) => [file.label, `/f/${file.name}`]));

  const nginxPort = await freePort();
  const nginx = await startNginx({
    prefix: path.join(workDir, 'nginx'),
    port: nginxPort,
    serverDirectives: `location /f/ { alias ${filesDir}/; }`,
  });
  targets.set('nginx', { server: nginx, paths: staticPaths, idleBytes: 0 });

  for (const workers of vitrailVariants(flags['vitrail-workers'])) {
    const name = workers === null ? 'Vitrail' : `Vitrail ×${workers}`;
    const dataDir = path.join(workDir, `vitrail-${workers ?? 'default'}`);
    const token = await createBenchToken(dataDir);
    const env: Record<string, string> = workers === null ? {} : { VITRAIL_WORKERS: String(workers) };
    const server = await startVitrail(name, dataDir, await freePort(), env);
    targets.set(name, { server, paths: await uploadBenchFiles(server, token, filesDir, files), idleBytes: 0 });
  }

  const compiledServers = new URL('./servers/', import.meta.url);
  const staticPort = await freePort();
  targets.set('@fastify/static', {
    server: await startChildServer('@fastify/static', process.execPath, [new URL('static-server.js', compiledServers).pathname, filesDir, String(staticPort)], staticPort),
    paths: staticPaths,
    idleBytes: 0,
  });
  const memoryPort = await freePort();
  targets.set('node:http', {
    server: await startChildServer('node:http', process.execPath, [new URL('memory-server.js', compiledServers).pathname, filesDir, String(memoryPort)], memoryPort),
    paths: staticPaths,
    idleBytes: 0,
  });

  for (const target of targets.values()) target.idleBytes = await treeResidentBytes(target.server.pid);
  await checkSameBytes(targets, files);
  await warmUp(targets, files);

  const measurements: Measurement[] = [];
  let scenario = 0;
  for (const file of files) {
    for (const connections of connectionCounts) {
      const order = [...targets.keys()];
      if (scenario % 2 === 1) order.reverse();
      scenario += 1;
      for (const name of order) {
        const target = targets.get(name) as Target;
        const url = `http://127.0.0.1:${target.server.port}${target.paths.get(file.label) ?? ''}`;
        const sampler = new PeakMemorySampler(target.server.pid);
        const result = await runWrk({ url, connections, durationSeconds, threads, timeoutSeconds });
        const peakBytes = await sampler.stop();
        measurements.push({ server: name, size: file.label, connections, peakBytes, ...result });
        console.error(`${file.label} c=${connections} ${name}: ${Math.round(result.requestsPerSecond)} req/s, ${result.errors} errors`);
      }
    }
  }

  const summaries: ServerSummary[] = [...targets.entries()].map(([name, target]) => ({ server: name, idleBytes: target.idleBytes }));
  const report = formatReport({
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    durationSeconds,
    threads,
    timeoutSeconds,
    measurements,
    summaries,
  });
  await mkdir(path.dirname(flags.out), { recursive: true });
  await writeFile(flags.out, report);
  console.log(report);
} finally {
  for (const target of targets.values()) await target.server.stop();
  if (!flags.keep) await rm(workDir, { recursive: true, force: true });
}

/** null stands for Vitrail on its default settings. */
function vitrailVariants(list: string): (number | null)[] {
  if (list.trim() === '') return [null];
  return list.split(',').map(Number);
}

/** Fails the run when a server answers other bytes than the others for the same file. */
async function checkSameBytes(all: Map<string, Target>, files: readonly BenchFile[]): Promise<void> {
  for (const file of files) {
    for (const [name, target] of all) {
      const response = await fetch(`http://127.0.0.1:${target.server.port}${target.paths.get(file.label) ?? ''}`);
      const length = (await response.arrayBuffer()).byteLength;
      if (response.status !== 200 || length !== file.size) {
        throw new Error(`${name} answered ${response.status} with ${length} bytes for ${file.name}, expected 200 with ${file.size}`);
      }
    }
  }
}

/** One short run per server and file, so every server has its caches filled and its code compiled. */
async function warmUp(all: Map<string, Target>, files: readonly BenchFile[]): Promise<void> {
  for (const file of files) {
    for (const target of all.values()) {
      const url = `http://127.0.0.1:${target.server.port}${target.paths.get(file.label) ?? ''}`;
      await runWrk({ url, connections: 8, durationSeconds: 1, threads: 1, timeoutSeconds });
    }
  }
}
