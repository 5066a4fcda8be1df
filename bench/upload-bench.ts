import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';

import { freePort } from './child-server.js';
import { startNginx } from './nginx.js';
import { PeakMemorySampler, treeResidentBytes } from './process-memory.js';
import { createBenchToken, startVitrail } from './vitrail-server.js';

const run = promisify(execFile);

/**
 * Upload path: one large upload to Vitrail (multipart POST by curl) against the same file PUT with
 * `curl -T` to nginx's WebDAV module, both writing under the same temporary directory, so on one disk.
 * Reports seconds, MiB/s and Vitrail's RSS growth. Usage: npm run bench:upload -- [--size-mib 1024]
 */
const { values: flags } = parseArgs({ options: { 'size-mib': { type: 'string', default: '1024' } } });
const size = Number(flags['size-mib']) * 1024 * 1024;

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

  try {
    const nginxSeconds = await timeCurl(['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-T', source, `http://127.0.0.1:${nginxPort}/dav/upload.pdf`], '201');
    const nginxStored = (await stat(path.join(davRoot, 'upload.pdf'))).size;

    const before = await treeResidentBytes(vitrail.pid);
    const sampler = new PeakMemorySampler([vitrail.pid]);
    const vitrailSeconds = await timeCurl(
      ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${token}`, '-F', `file=@${source};type=application/pdf`, `http://127.0.0.1:${vitrail.port}/api/v1/media`],
      '201',
    );
    const peak = await sampler.stop();

    const mib = size / 1024 ** 2;
    console.log(
      [
        `Upload of ${mib} MiB (${size} bytes); nginx stored ${nginxStored} bytes.`,
        '',
        '| server | seconds | MiB/s | RSS before | RSS peak | RSS growth | ×nginx |',
        '|---|---:|---:|---:|---:|---:|---:|',
        `| nginx WebDAV PUT (curl -T) | ${nginxSeconds.toFixed(2)} | ${(mib / nginxSeconds).toFixed(0)} | | | | 1.00 |`,
        `| Vitrail multipart POST (curl -F) | ${vitrailSeconds.toFixed(2)} | ${(mib / vitrailSeconds).toFixed(0)} | ${megabytes(before)} | ${megabytes(peak)} | ${megabytes(peak - before)} | ${(nginxSeconds / vitrailSeconds).toFixed(2)} |`,
      ].join('\n'),
    );
  } finally {
    await vitrail.stop();
    await nginx.stop();
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
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

async function timeCurl(args: string[], expectedStatus: string): Promise<number> {
  const start = performance.now();
  const { stdout } = await run('curl', args, { maxBuffer: 1024 * 1024 });
  const seconds = (performance.now() - start) / 1000;
  if (stdout.trim() !== expectedStatus) throw new Error(`curl ${args.at(-1)} returned ${stdout.trim()}, expected ${expectedStatus}`);
  return seconds;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}
