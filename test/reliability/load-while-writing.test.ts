import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';

import { spawnWorkers, type WorkerServer } from '../support/worker-server.js';

/**
 * Anonymous readers hammer public media while an editor uploads, renames, replaces, hides and trashes
 * them, and every read is judged against the writes that had returned before it started. Seconds of
 * load: a few in CI, more with `npm run test:long` (VITRAIL_LOAD_SECONDS).
 */
const READ_SECONDS = Number(process.env.VITRAIL_LOAD_SECONDS ?? '4');
const READERS = 500;
/** Bound on reads per run, so a fast machine does not turn seconds into an unbounded count. */
const MAX_READS = 60_000 * Math.max(1, Math.ceil(READ_SECONDS / 4));
const INITIAL_MEDIA = 16;
const UPLOADS_DURING_LOAD = 6;

/** What a public URL must serve for a media in a given state. */
type Expected =
  | { readonly kind: 'served'; readonly sha256: string; readonly name: string }
  | { readonly kind: 'gone' }
  | { readonly kind: 'hidden' };

/** One state of a media and the span of the write that made it, in milliseconds of performance.now(). */
interface StateChange {
  readonly startedAt: number;
  readonly completedAt: number;
  readonly expected: Expected;
}

interface TrackedMedia {
  readonly id: string;
  /** The URL path with the name given at upload, which must keep working after a rename. */
  readonly uploadPath: string;
  readonly history: StateChange[];
}

interface Read {
  readonly media: TrackedMedia;
  readonly path: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: number;
  readonly sha256: string;
  readonly disposition: string;
  readonly error: string | null;
}

describe('public reads under load while media change', () => {
  for (const workers of [1, 2]) {
    describe(`with VITRAIL_WORKERS=${workers}`, () => {
      let dataDir: string;
      let server: WorkerServer;

      before(async () => {
        dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-load-'));
        server = await spawnWorkers(dataDir, workers);
      });
      after(async () => {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      });

      it(`serves ${READERS} readers with no error and no stale read`, async (t) => {
        const writer = new Writer(server.url, server.token);
        const media: TrackedMedia[] = [];
        for (let index = 0; index < INITIAL_MEDIA; index += 1) media.push(await writer.upload(`avis-${index}.pdf`));

        const agent = new http.Agent({ keepAlive: true, maxSockets: READERS });
        const reads: Read[] = [];
        const stopAt = performance.now() + READ_SECONDS * 1000;
        const keepReading = () => performance.now() < stopAt && reads.length < MAX_READS;
        const readers = Array.from({ length: READERS }, async (_, reader) => {
          for (let round = 0; keepReading(); round += 1) {
            // Readers spread over every media known when the read starts, new uploads included.
            const target = media[(reader + round * 7) % media.length] as TrackedMedia;
            const urlPath = round % 2 === 0 ? target.uploadPath : `/m/${target.id}`;
            reads.push(await readOnce(agent, server.url, target, urlPath));
          }
        });

        const writes = (async () => {
          // Readers first fill every process's cache, so the writes below must invalidate real entries.
          await sleep(READ_SECONDS * 150);
          const pause = () => sleep((READ_SECONDS * 600) / (INITIAL_MEDIA + UPLOADS_DURING_LOAD));
          for (let index = 0; index < INITIAL_MEDIA; index += 1) {
            const target = media[index] as TrackedMedia;
            switch (index % 4) {
              case 0:
                await writer.trash(target);
                break;
              case 1:
                await writer.makePrivate(target);
                break;
              case 2:
                await writer.rename(target, `renamed-${index}.pdf`);
                break;
              case 3:
                await writer.replace(target, `remplacé-${index}.pdf`);
                break;
            }
            if (index < UPLOADS_DURING_LOAD) media.push(await writer.upload(`nouveau-${index}.pdf`));
            await pause();
          }
        })();

        await Promise.all([...readers, writes]);
        agent.destroy();

        const problems = reads.map(judge).filter((problem): problem is string => problem !== null);
        const afterWrites = reads.filter((read) => read.media.history.length > 1 && read.startedAt > (read.media.history.at(-1) as StateChange).completedAt);
        t.diagnostic(`${reads.length} reads in ${READ_SECONDS} s, ${afterWrites.length} of them after their media's change`);
        assert.deepEqual(problems.slice(0, 20), [], `${problems.length} bad reads out of ${reads.length}`);
        assert.ok(afterWrites.length > 0, 'no read started after a write returned: the load ended too soon to judge staleness');
        for (const kind of ['served', 'gone', 'hidden'] as const) {
          assert.ok(
            reads.some((read) => expectedAt(read.media, read).some((expected) => expected.kind === kind)),
            `no read expected ${kind}`,
          );
        }
      });
    });
  }
});

/** Editor calls through the API with a bearer token; each records when the server's response arrived. */
class Writer {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  async upload(name: string): Promise<TrackedMedia> {
    const content = randomPdf();
    const startedAt = performance.now();
    const response = await fetch(`${this.base}/api/v1/media`, { method: 'POST', headers: this.headers(), body: pdfForm(content, name) });
    assert.equal(response.status, 201, `upload of ${name}: ${await response.clone().text()}`);
    const body = (await response.json()) as { id: string; url: string };
    const completedAt = performance.now();
    return {
      id: body.id,
      uploadPath: new URL(body.url).pathname,
      history: [{ startedAt, completedAt, expected: { kind: 'served', sha256: sha256(content), name } }],
    };
  }

  async trash(media: TrackedMedia): Promise<void> {
    await this.change(media, 'DELETE', `/api/v1/media/${media.id}?confirm=true`, undefined, { kind: 'gone' });
  }

  async makePrivate(media: TrackedMedia): Promise<void> {
    await this.change(media, 'PATCH', `/api/v1/media/${media.id}?confirm=true`, { visibility: 'private' }, { kind: 'hidden' });
  }

  async rename(media: TrackedMedia, name: string): Promise<void> {
    const current = media.history.at(-1)?.expected;
    assert.equal(current?.kind, 'served');
    await this.change(media, 'PATCH', `/api/v1/media/${media.id}`, { name }, { kind: 'served', sha256: current.sha256, name });
  }

  async replace(media: TrackedMedia, fileName: string): Promise<void> {
    const current = media.history.at(-1)?.expected;
    assert.equal(current?.kind, 'served');
    const content = randomPdf();
    // A replacement keeps the media's name; the uploaded file's name is not used for it.
    await this.change(media, 'PUT', `/api/v1/media/${media.id}/content`, pdfForm(content, fileName), { kind: 'served', sha256: sha256(content), name: current.name });
  }

  private async change(media: TrackedMedia, method: string, urlPath: string, body: unknown, expected: Expected): Promise<void> {
    const startedAt = performance.now();
    const json = body !== undefined && !(body instanceof FormData);
    const response = await fetch(`${this.base}${urlPath}`, {
      method,
      headers: { ...this.headers(), ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(body) : (body as FormData | undefined),
    });
    const text = await response.text();
    const completedAt = performance.now();
    assert.equal(response.status, 200, `${method} ${urlPath}: ${text}`);
    media.history.push({ startedAt, completedAt, expected });
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }
}

/** GETs a public URL on a keep-alive connection; the start time is taken before the request is queued. */
function readOnce(agent: http.Agent, base: string, media: TrackedMedia, urlPath: string): Promise<Read> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, body: Buffer, disposition: string, error: string | null) =>
      resolve({ media, path: urlPath, startedAt, endedAt: performance.now(), status, sha256: sha256(body), disposition, error });
    const request = http.get(`${base}${urlPath}`, { agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(response.statusCode ?? 0, Buffer.concat(chunks), String(response.headers['content-disposition'] ?? ''), null));
      response.on('error', (error) => done(response.statusCode ?? 0, Buffer.alloc(0), '', error.message));
    });
    request.on('error', (error) => done(0, Buffer.alloc(0), '', error.message));
  });
}

/**
 * Lists the states a read may show. The first is the one in force when the read started: the last whose
 * write had returned. Later ones count if their write was sent before the read ended, because a read may
 * reach the server after a write sent later. An older state is a stale read.
 */
function expectedAt(media: TrackedMedia, read: Pick<Read, 'startedAt' | 'endedAt'>): Expected[] {
  let current = 0;
  for (let index = 0; index < media.history.length; index += 1) {
    if ((media.history[index] as StateChange).completedAt < read.startedAt) current = index;
  }
  const allowed: Expected[] = [];
  for (let index = current; index < media.history.length; index += 1) {
    const change = media.history[index] as StateChange;
    if (index === current || change.startedAt < read.endedAt) allowed.push(change.expected);
  }
  return allowed;
}

/** Returns why a read is wrong, or null when it matches a state it was allowed to see. */
function judge(read: Read): string | null {
  const allowed = expectedAt(read.media, read);
  if (allowed.some((expected) => matches(read, expected))) return null;
  const seen = read.error ?? `${read.status} ${read.disposition} ${read.sha256.slice(0, 8)}`;
  return `${read.path} at ${read.startedAt.toFixed(1)} ms: got ${seen}, expected ${allowed.map(describeExpected).join(' or ')}`;
}

function matches(read: Read, expected: Expected): boolean {
  if (read.error !== null) return false;
  switch (expected.kind) {
    case 'served':
      return read.status === 200 && read.sha256 === expected.sha256 && read.disposition.includes(encodeURIComponent(expected.name).replace(/'/g, '%27'));
    case 'gone':
      return read.status === 410;
    case 'hidden':
      return read.status === 404;
  }
}

function describeExpected(expected: Expected): string {
  switch (expected.kind) {
    case 'served':
      return `200 ${expected.name} ${expected.sha256.slice(0, 8)}`;
    case 'gone':
      return '410';
    case 'hidden':
      return '404';
  }
}

function randomPdf(): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.4\n%'), randomBytes(2_000), Buffer.from('\n%%EOF\n')]);
}

function pdfForm(content: Buffer, name: string): FormData {
  const form = new FormData();
  form.append('file', new Blob([content]), name);
  return form;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
