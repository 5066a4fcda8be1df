import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { freePort } from './child-server.js';
import { seedMedia } from './seed-media.js';
import { createBenchToken, startVitrail } from './vitrail-server.js';

/**
 * Listing and name search at size: seeds media rows, starts `vitrail serve`, and times API requests one
 * after the other from this process (HTTP on loopback included).
 * Usage: npm run bench:listing -- [--count 100000] [--requests 200]
 */
const { values: flags } = parseArgs({
  options: { count: { type: 'string', default: '100000' }, requests: { type: 'string', default: '200' } },
});
const count = Number(flags.count);
const requests = Number(flags.requests);

const workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-listing-'));
try {
  const dataDir = path.join(workDir, 'data');
  const token = await createBenchToken(dataDir);
  const seedStart = performance.now();
  await seedMedia(dataDir, count);
  console.error(`seeded ${count} media in ${Math.round(performance.now() - seedStart)} ms`);

  const server = await startVitrail('Vitrail', dataDir, await freePort());
  try {
    const base = `http://127.0.0.1:${server.port}/api/v1/media`;
    const firstPage = (await (await fetch(`${base}?limit=50`, { headers: { authorization: `Bearer ${token}` } })).json()) as { nextCursor: string };
    const deepCursor = await cursorAfterPages(base, token, 20);
    const cases: [string, string][] = [
      ['first page, 50 items', `${base}?limit=50`],
      ['second page by cursor', `${base}?limit=50&cursor=${encodeURIComponent(firstPage.nextCursor)}`],
      ['21st page by cursor', `${base}?limit=50&cursor=${encodeURIComponent(deepCursor)}`],
      ['trash, first page', `${base}?limit=50&trash=true`],
      ['search « eglise » (many hits)', `${base}?limit=50&q=eglise`],
      ['search « noel-bapteme-4242 » (one hit)', `${base}?limit=50&q=${encodeURIComponent('noel-bapteme-4242')}`],
      ['search « zzz » (no hit)', `${base}?limit=50&q=zzz`],
    ];
    const lines = [
      `Listing and search with ${count} media rows, ${requests} sequential requests per case, times in ms measured by the client.`,
      '',
      '| request | p50 | p95 | max | items |',
      '|---|---:|---:|---:|---:|',
    ];
    for (const [label, url] of cases) {
      const timings: number[] = [];
      let items = 0;
      for (let index = 0; index < requests; index += 1) {
        const start = performance.now();
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        const body = (await response.json()) as { items: unknown[] };
        timings.push(performance.now() - start);
        if (response.status !== 200) throw new Error(`${label}: status ${response.status}`);
        items = body.items.length;
      }
      timings.sort((a, b) => a - b);
      const at = (quantile: number) => (timings[Math.min(timings.length - 1, Math.floor(quantile * timings.length))] ?? Number.NaN).toFixed(1);
      lines.push(`| ${label} | ${at(0.5)} | ${at(0.95)} | ${at(1)} | ${items} |`);
    }
    console.log(lines.join('\n'));
  } finally {
    await server.stop();
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

async function cursorAfterPages(base: string, token: string, pages: number): Promise<string> {
  let cursor = '';
  for (let page = 0; page < pages; page += 1) {
    const url = cursor === '' ? `${base}?limit=50` : `${base}?limit=50&cursor=${encodeURIComponent(cursor)}`;
    const body = (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as { nextCursor: string };
    cursor = body.nextCursor;
  }
  return cursor;
}
