import type { Representation } from './representation.js';
import { planResponse, type ResponsePlan } from './response-plan.js';
import { REQUEST_ID_HEADER } from '../http/request-ids.js';
import { serializeHead, type SerializedHead } from './serialized-head.js';

/** A media as the public path serves it to anyone: which stored bytes, and how they are described. */
export interface ServedMedia {
  readonly mediaId: string;
  /** Name of the bytes in the blob store (their SHA-256). */
  readonly blobKey: string;
  readonly representation: Representation;
}

/**
 * A planned response with its header fields flattened once into the name, value list that writeHead takes.
 * The list starts with the request id field, whose value each response sets just before writeHead.
 */
export interface PreparedResponse {
  readonly plan: ResponsePlan;
  readonly fields: string[];
  /** The same head serialised, for the plain 200 responses a cache entry keeps; see SerializedHead. */
  readonly head?: SerializedHead;
}

/** A cached media: its description, its prepared responses to plain GET and HEAD, and its bytes once loaded. */
export interface CachedMedia extends ServedMedia {
  /** Lookup key: the media id for its plain public URL, the request URL for a variant. */
  readonly key: string;
  /** Whether a hit counts as an anonymous fetch of the media, as the route that filled the entry counts it. */
  readonly countsFetch: boolean;
  /** Whether the entry serves other bytes than the media's plain URL: a resize or another format. */
  readonly variant: boolean;
  /**
   * Whether the route sends CORS headers that depend on the request's Origin. Then only requests without
   * Origin are hits, and `extraFields` contains what the route adds to them, such as `Vary: Origin`.
   */
  readonly dependsOnOrigin: boolean;
  readonly extraFields: readonly string[];
  /** Prepared once: a GET or HEAD without conditions or Range gets these headers every time. */
  readonly plainGet: PreparedResponse;
  readonly plainHead: PreparedResponse;
  /** The whole body, when it fits the memory budget and has been read. */
  body: Buffer | null;
  /** Hits counted as fetches in the current turn of the event loop, not yet given to the fetch counter. */
  unrecordedFetches: number;
}

/** Options of `remember`; the defaults fit a media's plain public URL. */
export interface RememberOptions {
  /** The request URL for a variant; the media id, the default, for the plain public URL. */
  readonly key?: string;
  readonly countsFetch?: boolean;
  readonly variant?: boolean;
  readonly dependsOnOrigin?: boolean;
  /** Header fields, as name, value, name, value, added to every response. */
  readonly extraFields?: readonly string[];
}

/** An entry as the cache keeps it: with whether it was served since it last reached the end of the queue. */
interface CacheSlot extends CachedMedia {
  usedSinceQueued: boolean;
}

/** Value of the change counter when a lookup started; a result is cached only if no change came since. */
export type CacheTicket = number;

export interface PublicMediaCacheOptions {
  /** Total bytes of bodies kept in memory; 0 keeps none. */
  readonly memoryBytes: number;
  /** Media descriptions kept, bodies or not. */
  readonly maxEntries: number;
}

/**
 * The public path's memory: what anyone may be served at a public URL, so a hot media needs no database
 * query, and small bodies kept in memory within a byte budget, the least used first out. A media's plain
 * URL is found by its id, and a variant's (a resize in the query, Mosaico's image endpoint) by the
 * request URL. Every entry of a media goes when the media changes.
 *
 * Eviction gives a second chance rather than keeping an exact order: a hit only marks its entry, and the
 * oldest entry, if marked, goes to the end of the queue unmarked instead of out. Moving every hit to the
 * end cost a Map delete and insert per response, whose leftover slots made V8 rebuild the table.
 *
 * Only media readable anonymously are cached. Exactness rests on `invalidate`, which every change of a
 * media must reach before its response is sent (rename, visibility, trash, restore, replace, delete),
 * and on the change counter: a lookup that began before an invalidation never fills the cache.
 */
export class PublicMediaCache {
  private readonly entries = new Map<string, CacheSlot>();
  /** The keys of each media's entries, so that a change drops its variants too. */
  private readonly keysOfMedia = new Map<string, Set<string>>();
  private bodyBytes = 0;
  private changes = 0;

  constructor(private readonly options: PublicMediaCacheOptions) {}

  /** Largest body kept in memory: a quarter of the budget, so one file never fills it alone. */
  get maxBodyBytes(): number {
    return Math.floor(this.options.memoryBytes / 4);
  }

  /** Number of media and variants in the cache. */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes of the bodies kept in memory. */
  get cachedBodyBytes(): number {
    return this.bodyBytes;
  }

  /** Takes a ticket before reading the database for a media that may then be remembered. */
  ticket(): CacheTicket {
    return this.changes;
  }

  /** Looks up an entry without counting it as used. */
  peek(key: string): CachedMedia | undefined {
    return this.entries.get(key);
  }

  get(key: string): CachedMedia | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && !entry.usedSinceQueued) entry.usedSinceQueued = true;
    return entry;
  }

  /**
   * Caches what a public URL serves unless something changed since `ticket`; returns the entry, or null
   * when it was stale. `key` is the media id for its plain URL, the request URL for a variant.
   */
  remember(served: ServedMedia, ticket: CacheTicket, options: RememberOptions = {}): CachedMedia | null {
    if (ticket !== this.changes) return null;
    const key = options.key ?? served.mediaId;
    this.drop(key);
    const extraFields = options.extraFields ?? [];
    const plan = (method: 'GET' | 'HEAD'): PreparedResponse => {
      const prepared = prepareResponse(planResponse(served.representation, { method }), extraFields);
      return prepared.plan.status === 200 ? { ...prepared, head: serializeHead(prepared.fields) } : prepared;
    };
    const entry: CacheSlot = {
      ...served,
      key,
      countsFetch: options.countsFetch ?? true,
      variant: options.variant ?? false,
      dependsOnOrigin: options.dependsOnOrigin ?? false,
      extraFields,
      plainGet: plan('GET'),
      plainHead: plan('HEAD'),
      body: null,
      unrecordedFetches: 0,
      usedSinceQueued: false,
    };
    this.entries.set(key, entry);
    let keys = this.keysOfMedia.get(served.mediaId);
    if (keys === undefined) this.keysOfMedia.set(served.mediaId, (keys = new Set()));
    keys.add(key);
    while (this.entries.size > this.options.maxEntries) {
      if (!this.evictOldest(key)) break;
    }
    return entry;
  }

  /** Whether a body of this size should be read into memory for `entry`. */
  wantsBody(entry: CachedMedia): boolean {
    return entry.body === null && entry.representation.size > 0 && entry.representation.size <= this.maxBodyBytes;
  }

  /** Keeps a body read from the blob store, if its entry is still the current one; evicts others to fit. */
  storeBody(entry: CachedMedia, body: Buffer): void {
    if (this.entries.get(entry.key) !== entry || entry.body !== null) return;
    if (body.length !== entry.representation.size || body.length > this.maxBodyBytes) return;
    while (this.bodyBytes + body.length > this.options.memoryBytes) {
      if (!this.evictOldest(entry.key)) break;
    }
    if (this.entries.get(entry.key) !== entry) return;
    entry.body = body;
    this.bodyBytes += body.length;
  }

  /** Forgets a media and its variants; the next requests read the database again. Call it before responding to the change. */
  invalidate(mediaId: string): void {
    this.changes += 1;
    for (const key of [...(this.keysOfMedia.get(mediaId) ?? [])]) this.drop(key);
  }

  /** Forgets everything, when changes may have been missed. */
  clear(): void {
    this.changes += 1;
    this.entries.clear();
    this.keysOfMedia.clear();
    this.bodyBytes = 0;
  }

  /**
   * Drops the oldest entry not served since it was queued, other than `keep`, the one being added. The
   * served entries it passes go to the end of the queue, unmarked. Returns false when only `keep` is left.
   */
  private evictOldest(keep: string): boolean {
    for (const [key, entry] of this.entries) {
      if (key === keep) continue;
      if (!entry.usedSinceQueued) {
        this.drop(key);
        return true;
      }
      entry.usedSinceQueued = false;
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return false;
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    const keys = this.keysOfMedia.get(entry.mediaId);
    keys?.delete(key);
    if (keys?.size === 0) this.keysOfMedia.delete(entry.mediaId);
    if (entry.body !== null) this.bodyBytes -= entry.body.length;
  }
}

/**
 * Flattens a plan's headers for `ServerResponse.writeHead`, which serialises such a list directly. Setting
 * them one by one would make node:http keep and validate a header map per response. An empty 412 or 416
 * gets Content-Length: 0, as Fastify's reply sends, instead of an empty chunked body.
 */
export function prepareResponse(plan: ResponsePlan, extraFields: readonly string[] = []): PreparedResponse {
  const fields: string[] = [REQUEST_ID_HEADER, '', ...extraFields];
  for (const [name, value] of Object.entries(plan.headers)) fields.push(name, value);
  if (plan.status !== 304 && plan.headers['content-length'] === undefined) fields.push('content-length', '0');
  return { plan, fields };
}
