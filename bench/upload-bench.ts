import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';

import { freePort } from './child-server.js';
import { startNginx } from './nginx.js';
import { IDLE_SETTLE_SECONDS } from './report.js';
import { PeakMemorySampler, treeResidentBytes } from './process-memory.js';
import { createBenchToken, startVitrail } from './vitrail-server.js';

const run = promisify(execFile);

/**
 * Upload path: in each round, one large file goes to nginx's WebDAV module with `curl -T` and to each of
 * Vitrail's upload routes. Those are multipart POST (`curl -F`), raw-body PUT (`curl -T`) and tus (one
 * creation request, then the whole file in one PATCH by curl). Both servers write under the same temporary
 * directory, so on one disk. nginx does not fsync what it stores and Vitrail does, so nginx is also
 * reported with the time of one fsync of the stored file added. Every stored copy is deleted (purged, for
 * Vitrail) right after its upload. Vitrail is left idle for IDLE_SETTLE_SECONDS before the first round,
 * as a server in service is. Prints the median seconds of the rounds, MiB/s, the ratio to nginx and
 * Vitrail's peak RSS growth during each kind of upload.
 * Usage: npm run bench:upload -- [--size-mib 1024] [--rounds 3]
 */
const { values: flags } = parseArgs({
  options: { 'size-mib': { type: 'string', default: '1024' }, rounds: { type: 'string', default: '3' } },
});
const size = Number(flags['size-mib']) * 1024 * 1024;
const rounds = Number(flags.rounds);

/** One way of sending the file, timed from the first request to the last response. */
interface UploadPath {
  readonly label: string;
  readonly vitrail: boolean;
  /** Sends the file; returns the seconds it took and a step that deletes what was stored. */
  send(round: number): Promise<{ seconds: number; cleanUp: () => Promise<void> }>;
}

interface PathResult {
  readonly label: string;
  readonly seconds: number[];
  readonly rssGrowth: number[];
}

const workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-upload-'));
await chmod(workDir, 0o755);
try {
  const source = path.join(workDir, 'upload.pdf');
  await writeSourceFile(source, size);

  const davRoot = path.join(workDir, 'dav');
  await mkdir(davRoot);
  await chmod(davRoot, 0o777); // nginx workers started by root write as an unprivileged user.
  const nginxPort = await freePort();
  const nginx = await startNginx({
    prefix: path.join(workDir, 'nginx'),
    port: nginxPort,
    servers: `server {
      listen 127.0.0.1:${nginxPort};
      client_max_body_size 0;
      client_body_temp_path ${path.join(davRoot, '.incoming')};
      location /dav/ { alias ${davRoot}/; dav_methods PUT; create_full_put_path on; }
    }`,
  });

  const dataDir = path.join(workDir, 'vitrail');
  const token = await createBenchToken(dataDir);
  const vitrail = await startVitrail('Vitrail', dataDir, await freePort(), { VITRAIL_MAX_UPLOAD_BYTES: String(size + 1024 * 1024) });
  // A server in service has been idle before most uploads, so V8 has already resized its heap. A freshly
  // started one has not, and would make the measure look better than it is.
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_SECONDS * 1000));
  const api = `http://127.0.0.1:${vitrail.port}/api/v1`;
  const auth = `Authorization: Bearer ${token}`;
  const responseFile = path.join(workDir, 'response.json');
  const curl = ['-sS', '-o', responseFile, '-w', '%{http_code}'];
  let nginxFsyncSeconds: number[] = [];
  /** Purges the media of the last response, so its blob leaves the disk and the page cache. */
  const purgeLastUploadedMedia = async (): Promise<void> => {
    const media = JSON.parse(await readFile(responseFile, 'utf8')) as { id: string };
    const response = await fetch(`${api}/media/${media.id}?permanent=true&confirm=true`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`purging media ${media.id} returned ${response.status}: ${await response.text()}`);
  };
  const vitrailUpload = async (args: string[], expectedStatus: string) => ({
    seconds: await timeCurl([...curl, ...args], expectedStatus),
    cleanUp: purgeLastUploadedMedia,
  });

  const paths: UploadPath[] = [
    {
      label: 'nginx WebDAV PUT (curl -T)',
      vitrail: false,
      send: async (round) => {
        const stored = path.join(davRoot, `upload-${round}.pdf`);
        const seconds = await timeCurl([...curl, '-T', source, `http://127.0.0.1:${nginxPort}/dav/upload-${round}.pdf`], '201');
        if ((await stat(stored)).size !== size) throw new Error(`nginx stored ${(await stat(stored)).size} bytes, expected ${size}`);
        nginxFsyncSeconds = [...nginxFsyncSeconds, await timeFsync(stored)];
        return { seconds, cleanUp: () => rm(stored) };
      },
    },
    {
      label: 'Vitrail multipart POST (curl -F)',
      vitrail: true,
      send: async () => vitrailUpload(['-H', auth, '-F', `file=@${source};type=application/pdf`, `${api}/media`], '201'),
    },
    {
      label: 'Vitrail raw PUT (curl -T)',
      vitrail: true,
      send: async () => vitrailUpload(['-H', auth, '-T', source, `${api}/media/files/upload.pdf`], '201'),
    },
    {
      label: 'Vitrail tus (POST, then one PATCH by curl)',
      vitrail: true,
      send: async () => ({ seconds: await timeTusUpload(api, token, source, responseFile), cleanUp: purgeLastUploadedMedia }),
    },
  ];

  const loadBefore = os.loadavg();
  const results: PathResult[] = paths.map((uploadPath) => ({ label: uploadPath.label, seconds: [], rssGrowth: [] }));
  try {
    for (let round = 0; round < rounds; round += 1) {
      // Each round starts with the next path, so no path always runs first or last.
      for (let step = 0; step < paths.length; step += 1) {
        const index = (round + step) % paths.length;
        const uploadPath = paths[index] as UploadPath;
        // New bytes for every upload, so Vitrail never finds a blob it already stores. Dirty pages of the
        // previous upload are flushed first, so no upload pays for another's writeback.
        await makeContentUnique(source, round * paths.length + index);
        await run('sync');
        const before = await treeResidentBytes(vitrail.pid);
        const sampler = new PeakMemorySampler([vitrail.pid]);
        const { seconds, cleanUp } = await uploadPath.send(round);
        const peak = await sampler.stop();
        results[index]?.seconds.push(seconds);
        if (uploadPath.vitrail) results[index]?.rssGrowth.push(peak - before);
        // Stored copies are deleted at once, so later uploads do not write into an ever fuller page cache.
        await cleanUp();
      }
    }
  } finally {
    await vitrail.stop();
    await nginx.stop();
  }
  const loadAfter = os.loadavg();

  console.log(formatUploadReport({ results, nginxFsyncSeconds, loadBefore, loadAfter }));
} finally {
  await rm(workDir, { recursive: true, force: true });
}

interface UploadReportInput {
  readonly results: readonly PathResult[];
  readonly nginxFsyncSeconds: readonly number[];
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

function formatUploadReport(input: UploadReportInput): string {
  const mib = size / 1024 ** 2;
  const [nginxResult, ...vitrailResults] = input.results;
  if (nginxResult === undefined) throw new Error('no nginx measurement');
  const nginxSeconds = median(nginxResult.seconds);
  const nginxSyncedSeconds = median(nginxResult.seconds.map((seconds, round) => seconds + (input.nginxFsyncSeconds[round] ?? 0)));
  const row = (label: string, seconds: number, growth: string) =>
    `| ${label} | ${seconds.toFixed(2)} | ${(mib / seconds).toFixed(0)} | ${(nginxSeconds / seconds).toFixed(2)} | ${(nginxSyncedSeconds / seconds).toFixed(2)} | ${growth} |`;
  return [
    `Upload of ${mib} MiB (${size} bytes), ${rounds} rounds; medians of the rounds.`,
    `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown model'}), ${megabytes(os.totalmem())} memory, ${os.type()} ${os.release()}, Node ${process.version}.`,
    `Load average (1, 5, 15 min) before: ${formatLoad(input.loadBefore)}; after: ${formatLoad(input.loadAfter)}.`,
    `One fsync of the file nginx stored took ${median(input.nginxFsyncSeconds).toFixed(2)} s (median).`,
    '',
    '| upload | seconds | MiB/s | ×nginx | ×(nginx + fsync) | Vitrail RSS growth (max) |',
    '|---|---:|---:|---:|---:|---:|',
    row(nginxResult.label, nginxSeconds, ''),
    row('nginx WebDAV PUT, then fsync of the file', nginxSyncedSeconds, ''),
    ...vitrailResults.map((result) => row(result.label, median(result.seconds), megabytes(Math.max(...result.rssGrowth)))),
    '',
    'Every round, seconds:',
    ...input.results.map((result) => `- ${result.label}: ${result.seconds.map((seconds) => seconds.toFixed(2)).join(', ')}`),
  ].join('\n');
}

async function writeSourceFile(file: string, bytes: number): Promise<void> {
  const chunk = 4 * 1024 * 1024;
  async function* content(): AsyncGenerator<Buffer> {
    yield Buffer.from('%PDF-1.4\n');
    let left = bytes - 9;
    while (left > 0) {
      const length = Math.min(chunk, left);
      yield randomBytes(length);
      left -= length;
    }
  }
  await pipeline(content(), createWriteStream(file));
}

/** Overwrites 8 bytes after the PDF header with a counter, which changes the file's SHA-256. */
async function makeContentUnique(file: string, counter: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(BigInt(counter));
    await handle.write(bytes, 0, bytes.length, 9);
  } finally {
    await handle.close();
  }
}

async function timeCurl(args: string[], expectedStatus: string): Promise<number> {
  const start = performance.now();
  const { stdout } = await run('curl', args, { maxBuffer: 1024 * 1024 });
  const seconds = (performance.now() - start) / 1000;
  if (stdout.trim() !== expectedStatus) throw new Error(`curl ${args.at(-1)} returned ${stdout.trim()}, expected ${expectedStatus}`);
  return seconds;
}

/** Creates a tus upload of the whole file, then sends every byte in one PATCH; the last response contains the media. */
async function timeTusUpload(api: string, token: string, file: string, responseFile: string): Promise<number> {
  const start = performance.now();
  const creation = await fetch(`${api}/uploads`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(size),
      'upload-metadata': `filename ${Buffer.from('upload.pdf').toString('base64')}`,
    },
  });
  const location = creation.headers.get('location');
  if (creation.status !== 201 || location === null) throw new Error(`tus creation returned ${creation.status}: ${await creation.text()}`);
  const uploadUrl = new URL(location, api).href;
  await timeCurl(
    [
      '-sS', '-o', responseFile, '-w', '%{http_code}', '-X', 'PATCH', '-T', file,
      '-H', `Authorization: Bearer ${token}`, '-H', 'Tus-Resumable: 1.0.0', '-H', 'Upload-Offset: 0',
      '-H', 'Content-Type: application/offset+octet-stream', uploadUrl,
    ],
    '200',
  );
  return (performance.now() - start) / 1000;
}

/** Time of one fsync of a file whose bytes are already written, in seconds. */
async function timeFsync(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const start = performance.now();
    await handle.sync();
    return (performance.now() - start) / 1000;
  } finally {
    await handle.close();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function formatLoad(load: readonly number[]): string {
  return load.map((value) => value.toFixed(2)).join(' ');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}
