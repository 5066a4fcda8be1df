import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

import type { Logger } from 'pino';

import { accessPolicy } from '../auth/access-policy.js';
import type { MediaRow } from '../db/schema.js';
import { createRequestId } from '../http/request-ids.js';
import { isMediaId } from '../media/media-ids.js';
import type { RequestCounter } from '../ops/request-tally.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { MediaChangeFeed } from './media-change-feed.js';
import { PublicMediaCache, prepareResponse, type CacheTicket, type CachedMedia, type PreparedResponse, type ServedMedia } from './public-media-cache.js';
import { describeContent, publicContentOf, type ServedContent } from './served-content.js';
import { hasNoConditions, readRequestConditions } from './request-conditions.js';
import { planResponse, type ResponsePlan } from './response-plan.js';
import { putSerializedHead } from './serialized-head.js';

/** Counts the requests the public path serves, as Fastify's onResponse hook does for routed requests. */
export interface PublicPathMetrics {
  /** Returns the counter of one series, which the public path keeps and adds to. */
  counter(method: string, route: string, status: number): RequestCounter;
  countVariantHit(): void;
  countCacheLookup(hit: boolean): void;
}

/** The parts of a routed request that `rememberVariant` reads. */
export interface VariantRequest {
  readonly url: string;
  readonly headers: { readonly origin?: string | string[] | undefined };
}

/** How the route that served a variant counts its requests and which header fields it adds; see CachedMedia. */
export interface VariantCaching {
  readonly countsFetch: boolean;
  readonly dependsOnOrigin?: boolean;
  readonly extraFields?: readonly string[];
}

/** The request handler that serves everything the public path does not: Fastify's. */
export type FallbackHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface PublicPathDependencies {
  readonly cache: PublicMediaCache;
  /** null when this process is the only one on the database, as in tests of a single server. */
  readonly feed: MediaChangeFeed | null;
  readonly blobs: BlobStore;
  /** Counts anonymous fetches, as the route does through the media service. */
  readonly fetches: { record(mediaId: string, fetches: number): void };
  /** Counts requests and bytes served, as the Fastify hook does for routed requests. */
  readonly metrics?: PublicPathMetrics;
  readonly logger: Logger;
}

/**
 * Serves hot public media straight from node:http, before Fastify routes the request: a cache hit costs no
 * database query and, for small bodies, no file read. Anything else — a miss, a private media, a request
 * with credentials that could matter, an error — goes to the Fastify route, which fills the cache.
 *
 * Responses come from the same response planner as the route, so headers are the same on both paths.
 */
export class PublicPath {
  private readonly loadingBodies = new Set<string>();
  private closing = false;
  private serializedHeads = false;
  /** Whether `beginTurn` ran in this turn of the event loop. */
  private inTurn = false;
  /** Whether hits are logged at info, read once per turn. */
  private logsHits = false;
  /** The entries whose hits of this turn are not yet given to the fetch counter. */
  private readonly fetchedEntries: CachedMedia[] = [];
  /** The request counters of 200 responses, by route and method: see `okCounter`. */
  private readonly okCounters: (RequestCounter | undefined)[] = [];
  private readonly endTurn = (): void => {
    this.inTurn = false;
    this.recordFetches();
  };

  constructor(private readonly deps: PublicPathDependencies) {}

  /** Forgets a media in this process; every change to a media calls it before the response is sent. */
  invalidate(mediaId: string): void {
    this.deps.cache.invalidate(mediaId);
  }

  /**
   * Tells whether a media's plain URL, or a variant's URL (path and query), would be served from the cache.
   * It changes nothing, so tests and diagnostics may call it.
   */
  isCached(mediaIdOrUrl: string): boolean {
    this.deps.feed?.poll();
    return this.deps.cache.peek(mediaIdOrUrl) !== undefined;
  }

  /** Takes a ticket before reading a media from the database for the route; see `remember`. */
  ticket(): CacheTicket {
    this.deps.feed?.poll();
    return this.deps.cache.ticket();
  }

  /**
   * Caches a media the route found, if anyone may read it and nothing changed since `ticket`. The served
   * bytes and their description come from `describeServed`, the one place to change when a media is served
   * as something other than its original.
   */
  remember(media: MediaRow, ticket: CacheTicket): void {
    if (!accessPolicy.canReadMedia(null, media)) return;
    const entry = this.deps.cache.remember(describeServed(media), ticket);
    if (entry !== null) this.loadBody(entry);
  }

  /**
   * Caches a variant a route served for a request URL with a query: `/m/<id>/<name>?width=…` or Mosaico's
   * image endpoint. Only stored variants are cached, and `countsFetch` tells whether the route counted the
   * request as a fetch of the media, so that hits count the same.
   */
  rememberVariant(request: VariantRequest, media: MediaRow, content: ServedContent, ticket: CacheTicket, options: VariantCaching): void {
    if (content.blobKey === undefined || !accessPolicy.canReadMedia(null, media)) return;
    if (cacheKeyOf(request.url) !== request.url) return;
    // The CORS headers of a response to a request with Origin are valid for that origin alone.
    if (options.dependsOnOrigin && request.headers.origin !== undefined) return;
    const served = { mediaId: media.id, blobKey: content.blobKey, representation: content.representation };
    // A query without variant parameters (a campaign tag, say) serves the plain URL's bytes.
    const variant = content.blobKey !== publicContentOf(media).sha256;
    const entry = this.deps.cache.remember(served, ticket, { key: request.url, variant, ...options });
    if (entry !== null) this.loadBody(entry);
  }

  /**
   * Lets hits send heads serialised once instead of calling writeHead. Only for a server that sends no
   * Keep-Alive field and sets no request limit per socket, the two things writeHead would add per response.
   */
  useSerializedHeads(): void {
    this.serializedHeads = true;
  }

  /**
   * Stops serving from the cache, so requests during shutdown reach Fastify, which returns 503, and gives
   * the fetches counted so far to the fetch counter.
   */
  close(): void {
    this.closing = true;
    this.recordFetches();
  }

  /** Serves the request if it is a cache hit; returns false, having written nothing, otherwise. */
  tryServe(request: IncomingMessage, response: ServerResponse, fallback: FallbackHandler): boolean {
    const method = request.method;
    const url = request.url;
    if (this.closing || (method !== 'GET' && method !== 'HEAD') || url === undefined) return false;
    const headers = request.headers;
    // Credentials could change the answer and must be checked, and only anonymous fetches are counted.
    if (headers.authorization !== undefined) return false;
    const key = cacheKeyOf(url);
    if (key === null) return false;
    if (!this.inTurn) this.beginTurn();
    const entry = this.deps.cache.get(key);
    const hit = entry !== undefined && !(entry.dependsOnOrigin && headers.origin !== undefined);
    this.deps.metrics?.countCacheLookup(hit);
    if (!hit) return false;

    const startedAt = this.logsHits ? performance.now() : 0;
    const requestId = createRequestId(request);
    if (entry.countsFetch) this.countFetch(entry);
    if (entry.variant) this.deps.metrics?.countVariantHit();
    const prepared = hasNoConditions(headers)
      ? method === 'HEAD'
        ? entry.plainHead
        : entry.plainGet
      : prepareResponse(planResponse(entry.representation, readRequestConditions(method, headers)), entry.extraFields);
    const plan = prepared.plan;

    if (plan.body === null || entry.body !== null) {
      this.writeHead(request, response, prepared, requestId);
      response.end(plan.body === null || entry.body === null ? undefined : sliceBody(entry.body, plan));
      this.countCompleted(request, response, plan);
      if (this.logsHits) this.logCompleted(request, response, requestId, startedAt);
      return true;
    }

    this.loadBody(entry);
    this.stream(entry, prepared, request, response, requestId, startedAt, fallback);
    return true;
  }

  /**
   * Runs before the first lookup of each turn of the event loop: takes the changes other processes made
   * (see MediaChangeFeed.pollOncePerTurn) and reads the log level. At the end of the turn, the fetches
   * counted go to the fetch counter in one call per media, not one per response.
   */
  private beginTurn(): void {
    this.inTurn = true;
    this.deps.feed?.pollOncePerTurn();
    this.logsHits = this.deps.logger.isLevelEnabled('info');
    setImmediate(this.endTurn);
  }

  /** Counts a fetch of an entry's media, given to the fetch counter at the end of the turn. */
  private countFetch(entry: CachedMedia): void {
    if (entry.unrecordedFetches === 0) this.fetchedEntries.push(entry);
    entry.unrecordedFetches += 1;
  }

  /** Gives the fetches counted since the last call to the fetch counter, in one call per entry. */
  private recordFetches(): void {
    for (const entry of this.fetchedEntries) {
      this.deps.fetches.record(entry.mediaId, entry.unrecordedFetches);
      entry.unrecordedFetches = 0;
    }
    this.fetchedEntries.length = 0;
  }

  private stream(
    entry: CachedMedia,
    prepared: PreparedResponse,
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    startedAt: number,
    fallback: FallbackHandler,
  ): void {
    const range = prepared.plan.body ?? undefined;
    this.deps.blobs.openRead(entry.blobKey, range).then(
      async (source) => {
        this.writeHead(request, response, prepared, requestId);
        try {
          await pipeline(source, response);
          this.countCompleted(request, response, prepared.plan);
          if (this.deps.logger.isLevelEnabled('info')) this.logCompleted(request, response, requestId, startedAt);
        } catch (error) {
          // A reader that goes away mid-body is normal on the public path.
          this.deps.logger.info({ reqId: requestId, mediaId: entry.mediaId, err: error }, 'public media body not fully sent');
        }
      },
      (error: unknown) => {
        // The bytes are unreadable: forget the entry and let the route decide how to answer.
        this.deps.logger.warn({ reqId: requestId, mediaId: entry.mediaId, err: error }, 'cached media could not be opened; responding through the route');
        this.deps.cache.invalidate(entry.mediaId);
        fallback(request, response);
      },
    );
  }

  /**
   * Sends the status and header fields. The request id goes into the prepared list's own slot: writeHead
   * copies the fields into the response head before it returns, so the shared list is free again at once.
   */
  private writeHead(request: IncomingMessage, response: ServerResponse, prepared: PreparedResponse, requestId: string): void {
    if (this.serializedHeads && prepared.head !== undefined && putSerializedHead(request, response, prepared.head, requestId)) return;
    prepared.fields[1] = requestId;
    response.writeHead(prepared.plan.status, prepared.fields);
  }

  private loadBody(entry: CachedMedia): void {
    if (!this.deps.cache.wantsBody(entry) || this.loadingBodies.has(entry.mediaId)) return;
    this.loadingBodies.add(entry.mediaId);
    readWhole(this.deps.blobs, entry.blobKey)
      .then(
        (body) => this.deps.cache.storeBody(entry, body),
        (error: unknown) => this.deps.logger.warn({ mediaId: entry.mediaId, err: error }, 'could not read a media body into the cache'),
      )
      .finally(() => this.loadingBodies.delete(entry.mediaId));
  }

  /** Counts like Fastify's onResponse hook: by method, route pattern and status, with the body bytes. */
  private countCompleted(request: IncomingMessage, response: ServerResponse, plan: ResponsePlan): void {
    const metrics = this.deps.metrics;
    if (metrics === undefined) return;
    const method = request.method === 'HEAD' ? 'HEAD' : 'GET';
    const route = routeOf(request.url ?? '');
    const status = response.statusCode;
    const counter = status === 200 ? this.okCounter(metrics, method, route) : metrics.counter(method, route, status);
    counter.count += 1;
    if (plan.body !== null) counter.bytes += plan.body.end - plan.body.start + 1;
  }

  /** Returns the counter of 200 responses to GET or HEAD on a route, kept after the first lookup, since most hits need one. */
  private okCounter(metrics: PublicPathMetrics, method: 'GET' | 'HEAD', route: PublicRoute): RequestCounter {
    const slot = PUBLIC_ROUTES.indexOf(route) * 2 + (method === 'HEAD' ? 1 : 0);
    let counter = this.okCounters[slot];
    if (counter === undefined) this.okCounters[slot] = counter = metrics.counter(method, route, 200);
    return counter;
  }

  /** Logs one line per request at info, as the routed requests' log does. */
  private logCompleted(request: IncomingMessage, response: ServerResponse, requestId: string, startedAt: number): void {
    const url = request.url ?? '';
    const query = url.indexOf('?');
    this.deps.logger.info(
      {
        reqId: requestId,
        method: request.method,
        url: query === -1 ? url : `${url.slice(0, query)}?…`,
        status: response.statusCode,
        durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
        cache: 'hit',
      },
      'request completed',
    );
  }
}

/** What the plain public URL of a media serves, without a variant query: its rendition or its original. */
export function describeServed(media: MediaRow): ServedMedia {
  const content = publicContentOf(media);
  return { mediaId: media.id, blobKey: content.sha256, representation: describeContent(media, content) };
}

/** Mosaico's image endpoint, whose URLs sit in sent mails like the public URLs. */
const MOSAICO_IMAGE_ROUTE = '/integrations/mosaico/img';
const MOSAICO_IMAGE_PATH = `${MOSAICO_IMAGE_ROUTE}?`;

/** The route patterns Fastify reports for the URLs the public path serves, so that hits and routed requests share their series. */
const PUBLIC_ROUTES = ['/m/:id', '/m/:id/*', MOSAICO_IMAGE_ROUTE] as const;
type PublicRoute = (typeof PUBLIC_ROUTES)[number];

function routeOf(url: string): PublicRoute {
  if (url.startsWith(MOSAICO_IMAGE_PATH)) return MOSAICO_IMAGE_ROUTE;
  const end = url.indexOf('?');
  const slash = url.indexOf('/', 3);
  return slash === -1 || (end !== -1 && slash > end) ? '/m/:id' : '/m/:id/*';
}

/**
 * Returns the cache key of a request URL: the media id for a plain public URL, and the URL itself for a
 * public URL with a query (a variant) or for Mosaico's image endpoint. Any other URL is never cached: null.
 */
export function cacheKeyOf(url: string): string | null {
  if (url.startsWith(MOSAICO_IMAGE_PATH)) return url;
  const mediaId = mediaIdOf(url);
  if (mediaId === null) return null;
  return url.includes('?') ? url : mediaId;
}

/** The media id of `/m/<id>` or `/m/<id>/<name>`, the two public URL shapes; null for anything else. */
export function mediaIdOf(url: string): string | null {
  if (!url.startsWith('/m/')) return null;
  let end = url.indexOf('/', 3);
  if (end === -1) end = url.indexOf('?', 3);
  const id = url.slice(3, end === -1 ? undefined : end);
  return isMediaId(id) ? id : null;
}

function sliceBody(body: Buffer, plan: ResponsePlan): Buffer {
  const range = plan.body;
  if (range === null || (range.start === 0 && range.end === body.length - 1)) return body;
  return body.subarray(range.start, range.end + 1);
}

async function readWhole(blobs: BlobStore, blobKey: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.openRead(blobKey)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
