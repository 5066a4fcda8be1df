import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { FILE_SIZES, writeBenchFiles, type BenchFile } from './bench-files.js';
import { freePort, startChildServer, type ChildServer } from './child-server.js';
import { startNginx } from './nginx.js';
import { PeakMemorySampler, treeResidentBytes } from './process-memory.js';
import { formatReport, IDLE_SETTLE_SECONDS, type Measurement, type ServerSummary } from './report.js';
import { createBenchToken, startVitrail, uploadBenchFiles } from './vitrail-server.js';
import { runWrk } from './wrk.js';

/**
 * Public path benchmark: nginx, Vitrail, @fastify/static and a bare node:http server over the same files,
 * the last also with the header fields of a Vitrail response,
 * each driven by wrk in turn, in an order that alternates between scenarios.
 * Usage: npm run bench -- [--duration 4] [--large-duration 10] [--connections 64,512] [--rounds 3]
 *        [--sizes 20KB,200KB,2MB,20MB] [--vitrail-workers 1,2] [--no-front] [--no-mosaico] [--out report.md]
 * Each round measures every cell once; the report gives each cell's median over the rounds.
 * --vitrail-workers lists the VITRAIL_WORKERS values to run Vitrail with, one server each.
 * The Mosaico scenario fetches an image through Vitrail's Mosaico image endpoint, resized to 600 px, and
 * the same resized bytes from nginx and the node:http server.
 */
const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    'large-duration': { type: 'string', default: '10' },
    'no-front': { type: 'boolean', default: false },
    connections: { type: 'string', default: '64,512' },
    sizes: { type: 'string', default: Object.keys(FILE_SIZES).join(',') },
    threads: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '10' },
    'vitrail-workers': { type: 'string', default: '1,2' },
    'no-mosaico': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/public-path.md' },
    keep: { type: 'boolean', default: false },
  },
});

interface Target {
  readonly server: ChildServer;
  /** Processes whose memory counts for this target, the server's first. */
  readonly pids: readonly number[];
  /** Path of each file by size label. */
  readonly paths: Map<string, string>;
  /** Resident memory once idle after start, before the benchmark's uploads and load, in bytes. */
  readonly idleBytes: number;
}

const durationSeconds = Number(flags.duration);
const largeDurationSeconds = Number(flags['large-duration']);
/** Files from this size get the longer duration, so that enough of them complete at 512 connections. */
const LARGE_FILE_BYTES = 10_000_000;
const MOSAICO_LABEL = 'Mosaico 600 px';
const MOSAICO_FILE = 'mosaico-600.jpg';
const children: ChildServer[] = [];
const connectionCounts = flags.connections.split(',').map(Number);
const sizes = flags.sizes.split(',');
const threads = Number(flags.threads);
const timeoutSeconds = Number(flags.timeout);
const rounds = Number(flags.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number from 1, not "${flags.rounds}"`);

const workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-bench-'));
// nginx workers drop root rights when started as root, and must still read the files.
await chmod(workDir, 0o755);
const filesDir = path.join(workDir, 'files');
await mkdir(filesDir);
const targets = new Map<string, Target>();

try {
  const files = await writeBenchFiles(filesDir, sizes);
  const staticPaths = new Map(files.map((file) => [file.label, `/f/${file.name}`]));
  const photo = flags['no-mosaico'] ? null : await writeBenchPhoto(workDir);

  // nginx and the Vitrail servers start first, so that one wait serves them all before their idle memory is read.
  const nginxPort = await freePort();
  const nginx = await startNginx({
    prefix: path.join(workDir, 'nginx'),
    port: nginxPort,
    servers: `server { listen 127.0.0.1:${nginxPort}; location /f/ { alias ${filesDir}/; } }`,
  });
  children.push(nginx);

  const vitrails: { name: string; server: ChildServer; token: string }[] = [];
  for (const workers of flags['vitrail-workers'].split(',').map(Number)) {
    const name = workers === 1 ? 'Vitrail' : `Vitrail ×${workers}`;
    const dataDir = path.join(workDir, `vitrail-${workers}`);
    const token = await createBenchToken(dataDir);
    const server = await startVitrail(name, dataDir, await freePort(), { VITRAIL_WORKERS: String(workers) });
    children.push(server);
    vitrails.push({ name, server, token });
  }

  let front: { vitrail: ChildServer; token: string; nginx: ChildServer } | null = null;
  if (!flags['no-front']) {
    const dataDir = path.join(workDir, 'vitrail-front');
    const token = await createBenchToken(dataDir);
    const vitrail = await startVitrail('Vitrail behind nginx', dataDir, await freePort(), {
      VITRAIL_PUBLIC_MIRROR_DIR: path.join(workDir, 'public-mirror'),
    });
    children.push(vitrail);
    const frontPort = await freePort();
    const frontNginx = await startNginx({ prefix: path.join(workDir, 'nginx-front'), port: frontPort, servers: await shippedFrontConfig(workDir, vitrail.port, frontPort) });
    children.push(frontNginx);
    front = { vitrail, token, nginx: frontNginx };
  }

  await settle();
  targets.set('nginx', { server: nginx, pids: [nginx.pid], paths: staticPaths, idleBytes: await residentBytes([nginx.pid]) });
  for (const { name, server, token } of vitrails) {
    const idle = await residentBytes([server.pid]);
    const paths = await uploadBenchFiles(server, token, filesDir, files);
    if (photo !== null) {
      const resized = await mosaicoResizePath(server, token, photo);
      paths.set(MOSAICO_LABEL, resized);
      // The first Vitrail server's response becomes the static file the references serve.
      if (!staticPaths.has(MOSAICO_LABEL)) {
        const bytes = Buffer.from(await (await fetch(`http://127.0.0.1:${server.port}${resized}`)).arrayBuffer());
        await writeFile(path.join(filesDir, MOSAICO_FILE), bytes);
        staticPaths.set(MOSAICO_LABEL, `/f/${MOSAICO_FILE}`);
        files.push({ label: MOSAICO_LABEL, name: MOSAICO_FILE, size: bytes.length });
      }
    }
    targets.set(name, { server, pids: [server.pid], paths, idleBytes: idle });
  }
  if (front !== null) {
    const pids = [front.nginx.pid, front.vitrail.pid];
    const idle = await residentBytes(pids);
    const paths = await uploadBenchFiles(front.vitrail, front.token, filesDir, files);
    // nginx in front forwards the Mosaico endpoint to Vitrail, which the Vitrail rows already measure.
    paths.delete(MOSAICO_LABEL);
    targets.set('nginx in front', { server: front.nginx, pids, paths, idleBytes: idle });
  }

  // The node:http servers read the files when they start, Mosaico's resized image included, so they start
  // once the uploads above have written it, and have a wait of their own.
  const compiledServers = new URL('./servers/', import.meta.url);
  const references: [string, ChildServer][] = [];
  for (const [name, script, ...extra] of [
    ['@fastify/static', 'static-server.js'],
    ['node:http', 'memory-server.js'],
    ['node:http, media headers', 'memory-server.js', 'media-headers'],
  ] as const) {
    const port = await freePort();
    const server = await startChildServer(name, process.execPath, [new URL(script, compiledServers).pathname, filesDir, String(port), ...extra], port);
    children.push(server);
    references.push([name, server]);
  }
  await settle();
  for (const [name, server] of references) {
    targets.set(name, { server, pids: [server.pid], paths: staticPaths, idleBytes: await residentBytes([server.pid]) });
  }

  await checkSameBytes(targets, files);
  await warmUp(targets, files);

  const measurements: Measurement[] = [];
  let scenario = 0;
  for (let round = 1; round <= rounds; round += 1) {
    for (const file of files) {
      for (const connections of connectionCounts) {
        const order = [...targets.keys()];
        if (scenario % 2 === 1) order.reverse();
        scenario += 1;
        for (const name of order) {
          const measurement = await measureCell(name, targets.get(name) as Target, file, connections);
          if (measurement === null) continue;
          measurements.push(measurement);
          console.error(
            `round ${round}/${rounds} ${file.label} c=${connections} ${name}: ${Math.round(measurement.requestsPerSecond)} req/s, ` +
              `${measurement.errors} errors, ${measurement.timeouts} timeouts`,
          );
        }
      }
    }
  }

  // Every server is idle from here on, so one wait serves them all.
  await settle();
  const summaries: ServerSummary[] = [];
  for (const [name, target] of targets) {
    summaries.push({ server: name, idleBytes: target.idleBytes, idleAfterLoadBytes: await residentBytes(target.pids) });
  }
  const report = formatReport({
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    durationSeconds,
    largeDurationSeconds,
    threads,
    timeoutSeconds,
    rounds,
    measurements,
    summaries,
  });
  await mkdir(path.dirname(flags.out), { recursive: true });
  await writeFile(flags.out, report);
  console.log(report);
} finally {
  for (const child of children.reverse()) await child.stop();
  if (!flags.keep) await rm(workDir, { recursive: true, force: true });
}

/** Drives one server with wrk on one file at one connection count; null when the server lacks the file. */
async function measureCell(name: string, target: Target, file: BenchFile, connections: number): Promise<Measurement | null> {
  const filePath = target.paths.get(file.label);
  if (filePath === undefined) return null;
  const url = `http://127.0.0.1:${target.server.port}${filePath}`;
  const sampler = new PeakMemorySampler(target.pids);
  const duration = file.size >= LARGE_FILE_BYTES ? largeDurationSeconds : durationSeconds;
  const result = await runWrk({ url, connections, durationSeconds: duration, threads, timeoutSeconds });
  const peakBytes = await sampler.stop();
  return { server: name, size: file.label, connections, peakBytes, ...result };
}

/** Writes a photo-like JPEG of 3000 × 2000 pixels, as a parish volunteer's camera gives, and returns its path. */
async function writeBenchPhoto(directory: string): Promise<string> {
  const { default: sharp } = await import('sharp');
  const width = 3000;
  const height = 2000;
  const jpeg = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .blur(3)
    .jpeg({ quality: 85 })
    .toBuffer();
  const file = path.join(directory, 'photo.jpg');
  await writeFile(file, jpeg);
  return file;
}

/** Uploads the photo and returns the path of its Mosaico URL for a 600 px wide resize, warmed once. */
async function mosaicoResizePath(server: ChildServer, token: string, photo: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([await readFile(photo)], { type: 'image/jpeg' }), 'photo.jpg');
  const response = await fetch(`http://127.0.0.1:${server.port}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  if (response.status !== 201) throw new Error(`upload of the photo failed: ${response.status} ${await response.text()}`);
  const { url } = (await response.json()) as { url: string };
  const query = new URLSearchParams({ src: url, method: 'resize', params: '600,null' });
  const resized = `/integrations/mosaico/img?${query.toString()}`;
  const first = await fetch(`http://127.0.0.1:${server.port}${resized}`);
  if (first.status !== 200) throw new Error(`Mosaico resize failed: ${first.status} ${await first.text()}`);
  await first.arrayBuffer();
  return resized;
}

/** Leaves every server IDLE_SETTLE_SECONDS without requests, so that their idle memory can be read. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_SECONDS * 1000));
}

async function residentBytes(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += await treeResidentBytes(pid);
  return total;
}

/** The nginx config shipped in docs/nginx, pointed at this run's Vitrail, mirror and port. */
async function shippedFrontConfig(root: string, vitrailPort: number, port: number): Promise<string> {
  const shipped = await readFile(new URL('../../docs/nginx/vitrail-public-mirror.conf', import.meta.url), 'utf8');
  return shipped
    .replaceAll('server 127.0.0.1:8080;', `server 127.0.0.1:${vitrailPort};`)
    .replaceAll('listen 80;', `listen 127.0.0.1:${port};`)
    .replaceAll('/var/lib/vitrail/public-mirror', path.join(root, 'public-mirror'));
}

/** Fails the run when a server returns other bytes than the others for the same file. */
async function checkSameBytes(all: Map<string, Target>, files: readonly BenchFile[]): Promise<void> {
  for (const file of files) {
    for (const [name, target] of all) {
      const filePath = target.paths.get(file.label);
      if (filePath === undefined) continue;
      const response = await fetch(`http://127.0.0.1:${target.server.port}${filePath}`);
      const length = (await response.arrayBuffer()).byteLength;
      if (response.status !== 200 || length !== file.size) {
        throw new Error(`${name} returned ${response.status} with ${length} bytes for ${file.name}, expected 200 with ${file.size}`);
      }
    }
  }
}

/** One short run per server and file, so every server has its caches filled and its code compiled. */
async function warmUp(all: Map<string, Target>, files: readonly BenchFile[]): Promise<void> {
  for (const file of files) {
    for (const target of all.values()) {
      const filePath = target.paths.get(file.label);
      if (filePath === undefined) continue;
      const url = `http://127.0.0.1:${target.server.port}${filePath}`;
      await runWrk({ url, connections: 8, durationSeconds: 1, threads: 1, timeoutSeconds });
    }
  }
}
