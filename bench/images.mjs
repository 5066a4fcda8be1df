// Measures, in one run on one machine:
//   1. the decode-to-encode time of Vitrail's rendition step on a 12-megapixel JPEG, against a bare sharp
//      pipeline doing the same work and against libvips' own `vipsthumbnail` run as a whole process;
//   2. serving a stored variant against serving an original of the same bytes, through a real server.
// Run with `npm run bench:images` (builds first). Not part of the test suite: the numbers depend on the
// machine and on what else runs on it, so they are recorded in docs/benchmarks.md, never asserted.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import pino from 'pino';
import sharp from 'sharp';

import { loadSettings } from '../dist/src/config/settings.js';
import { planRendition } from '../dist/src/images/image-renditions.js';
import { SharpImageProcessor } from '../dist/src/images/sharp-image-processor.js';
import { WorkPool } from '../dist/src/images/work-pool.js';
import { startServer } from '../dist/src/server.js';

const run = promisify(execFile);
const RENDITION_ROUNDS = Number(process.env.BENCH_RENDITION_ROUNDS ?? 15);
const SERVING_REQUESTS = Number(process.env.BENCH_SERVING_REQUESTS ?? 2000);
const SERVING_CONCURRENCY = 8;
const MAX_WIDTH = 1200;

/** Makes a 4000×3000 photo-like JPEG: smooth colour noise scaled up, compressed like a camera would. */
async function makePhoto() {
  const small = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .png()
    .toBuffer();
  return sharp(small).resize(4000, 3000, { kernel: 'cubic' }).jpeg({ quality: 92 }).withExif({ IFD0: { Make: 'BenchCam' } }).toBuffer();
}

function summarise(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0] };
}

async function time(task) {
  const started = performance.now();
  await task();
  return performance.now() - started;
}

async function benchRendition(photoPath) {
  const processor = new SharpImageProcessor({ maxPixels: 100_000_000, pool: new WorkPool(1) });
  const source = { path: photoPath, mime: 'image/jpeg' };
  const facts = await processor.inspect(source);
  const { operation } = planRendition('image/jpeg', facts, MAX_WIDTH);
  const contenders = {
    'Vitrail rendition (inspect + render)': async () => {
      await processor.inspect(source);
      await processor.render(source, operation);
    },
    'bare sharp pipeline': () => sharp(photoPath).rotate().resize({ width: MAX_WIDTH }).jpeg({ quality: 82 }).toBuffer(),
    'vipsthumbnail process': () => run('vipsthumbnail', [photoPath, '--size', `${MAX_WIDTH}x`, '-o', `${photoPath}-thumb.jpg[Q=82]`]),
  };
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (const task of Object.values(contenders)) await task(); // warm-up: first load of libraries and code
  // Rounds interleave the contenders, so a burst of load from other processes hits them alike.
  for (let round = 0; round < RENDITION_ROUNDS; round += 1) {
    for (const [name, task] of Object.entries(contenders)) samples[name].push(await time(task));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, summarise(values)]));
}

const SERVING_ROUNDS = 4;

/** Sends `count` GETs, SERVING_CONCURRENCY at once; returns each latency in ms and the elapsed seconds. */
async function load(url, count) {
  const samples = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const started = performance.now();
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${url} returned status ${response.status}`);
      samples.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: SERVING_CONCURRENCY }, worker));
  return { samples, seconds: (performance.now() - started) / 1000 };
}

async function upload(base, token, name, bytes) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const response = await fetch(`${base}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  if (response.status !== 201) throw new Error(`upload returned status ${response.status}: ${await response.text()}`);
  return response.json();
}

async function benchServing(photo) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-bench-'));
  const settings = loadSettings({ VITRAIL_DATA_DIR: dataDir, VITRAIL_HOST: '127.0.0.1', VITRAIL_PORT: '0' });
  const server = await startServer(settings, pino({ level: 'silent' }));
  try {
    await server.vitrail.users.addUser('bench@example.org', 'bench password 123', 'admin');
    const { token } = await server.vitrail.tokens.createToken('bench@example.org', 'bench');
    const media = await upload(server.address, token, 'photo.jpg', photo);
    const variantUrl = `${media.url}?w=600`;
    const variantBytes = Buffer.from(await (await fetch(variantUrl)).arrayBuffer());
    // The same bytes uploaded as their own media: mail-ready already, so its public URL serves the original.
    const twin = await upload(server.address, token, 'twin.jpg', variantBytes);
    if (twin.rendition.size !== variantBytes.length) throw new Error('the twin was not kept as its original');
    const urls = { 'original (same bytes)': twin.url, 'stored variant ?w=600': variantUrl };
    const collected = Object.fromEntries(Object.keys(urls).map((name) => [name, { samples: [], seconds: 0 }]));
    for (const url of Object.values(urls)) await load(url, 200); // warm-up
    // Rounds alternate the two URLs, so load from other processes weighs on both alike.
    for (let round = 0; round < SERVING_ROUNDS; round += 1) {
      for (const [name, url] of Object.entries(urls)) {
        const { samples, seconds } = await load(url, SERVING_REQUESTS / SERVING_ROUNDS);
        collected[name].samples.push(...samples);
        collected[name].seconds += seconds;
      }
    }
    const results = Object.fromEntries(
      Object.entries(collected).map(([name, { samples, seconds }]) => [name, { ...summarise(samples), perSecond: samples.length / seconds }]),
    );
    return { bytes: variantBytes.length, results };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const directory = await mkdtemp(path.join(os.tmpdir(), 'vitrail-bench-photo-'));
try {
  const photo = await makePhoto();
  const photoPath = path.join(directory, 'photo.jpg');
  await writeFile(photoPath, photo);
  const { stdout: vipsVersion } = await run('vipsthumbnail', ['--version']);
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, load average ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
  console.log(`node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), ${vipsVersion.trim()}`);
  console.log(`photo: 4000×3000 JPEG, ${photo.length} bytes; rendition ${MAX_WIDTH} px wide\n`);

  const rendition = await benchRendition(photoPath);
  const output = await readFile(`${photoPath}-thumb.jpg`);
  console.log(`| step (${RENDITION_ROUNDS} rounds) | median ms | p90 ms | min ms |`);
  console.log('| --- | --- | --- | --- |');
  for (const [name, stats] of Object.entries(rendition)) {
    console.log(`| ${name} | ${stats.median.toFixed(1)} | ${stats.p90.toFixed(1)} | ${stats.min.toFixed(1)} |`);
  }
  const ratio = rendition['Vitrail rendition (inspect + render)'].median / rendition['bare sharp pipeline'].median;
  console.log(`\nVitrail / bare pipeline, medians: ${ratio.toFixed(2)}× (vipsthumbnail output ${output.length} bytes)\n`);

  const serving = await benchServing(photo);
  console.log(`| ${SERVING_REQUESTS} GETs, ${SERVING_CONCURRENCY} at once, ${serving.bytes} bytes each | req/s | median ms | p90 ms |`);
  console.log('| --- | --- | --- | --- |');
  for (const [name, stats] of Object.entries(serving.results)) {
    console.log(`| ${name} | ${stats.perSecond.toFixed(0)} | ${stats.median.toFixed(2)} | ${stats.p90.toFixed(2)} |`);
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
