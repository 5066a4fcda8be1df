import parseRange from 'range-parser';

import type { ByteRange } from '../storage/blob-store.js';
import type { Representation } from './representation.js';

/** A syntactically valid bytes Range header: one or more `first-last`, `first-` or `-suffix` specs. */
const BYTE_RANGES = /^bytes=\s*(\d+-\d*|-\d+)(\s*,\s*(\d+-\d*|-\d+))*\s*$/;

/** Request headers that decide the response for a stored representation. */
export interface RequestConditions {
  readonly method: 'GET' | 'HEAD';
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
  readonly ifUnmodifiedSince?: string;
  readonly range?: string;
  readonly ifRange?: string;
}

/** Response decision: status, headers and which bytes, if any, to send. */
export interface ResponsePlan {
  readonly status: 200 | 206 | 304 | 412 | 416;
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes to send; null when the response has no body (HEAD, 304, 412, 416). */
  readonly body: ByteRange | null;
}

/**
 * Decides the answer to a GET or HEAD on a representation, following RFC 9110: preconditions in the order
 * of section 13.2.2 (If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since), then Range with
 * If-Range. Pure: no I/O, so every rule is tested directly.
 */
export function planResponse(representation: Representation, request: RequestConditions): ResponsePlan {
  const validators = {
    etag: representation.etag,
    'last-modified': representation.lastModified.toUTCString(),
  };

  if (request.ifMatch !== undefined) {
    if (!matchesEntityTag(request.ifMatch, representation.etag, 'strong')) return bare(412, validators);
  } else if (request.ifUnmodifiedSince !== undefined) {
    const since = parseHttpDate(request.ifUnmodifiedSince);
    if (since !== null && wholeSeconds(representation.lastModified) > since) return bare(412, validators);
  }

  if (request.ifNoneMatch !== undefined) {
    if (matchesEntityTag(request.ifNoneMatch, representation.etag, 'weak')) {
      return notModified(representation, validators);
    }
  } else if (request.ifModifiedSince !== undefined) {
    const since = parseHttpDate(request.ifModifiedSince);
    if (since !== null && wholeSeconds(representation.lastModified) <= since) {
      return notModified(representation, validators);
    }
  }

  const full: ResponsePlan = {
    status: 200,
    headers: { ...representation.headers, ...validators, 'content-length': String(representation.size) },
    body: bodyFor(request, { start: 0, end: representation.size - 1 }, representation.size),
  };
  if (request.range === undefined || !rangeStillApplies(request.ifRange, representation)) return full;

  if (!BYTE_RANGES.test(request.range)) return full; // RFC 9110 section 14.2 lets a server ignore a malformed Range.
  const ranges = parseRange(representation.size, request.range, { combine: true });
  if (ranges === -2) return full; // Not a bytes range: ignored, as RFC 9110 section 14.2 allows.
  if (ranges === -1) {
    return {
      status: 416,
      headers: { ...validators, 'content-range': `bytes */${representation.size}`, 'accept-ranges': 'bytes' },
      body: null,
    };
  }
  // Several ranges would need multipart/byteranges; answering the whole body instead is allowed.
  if (ranges.length !== 1 || ranges[0] === undefined) return full;

  const { start, end } = ranges[0];
  return {
    status: 206,
    headers: {
      ...representation.headers,
      ...validators,
      'content-range': `bytes ${start}-${end}/${representation.size}`,
      'content-length': String(end - start + 1),
    },
    body: bodyFor(request, { start, end }, representation.size),
  };
}

function bodyFor(request: RequestConditions, range: ByteRange, size: number): ByteRange | null {
  if (request.method === 'HEAD' || size === 0) return null;
  return range;
}

function bare(status: 412, validators: Record<string, string>): ResponsePlan {
  return { status, headers: { ...validators }, body: null };
}

/** Builds a 304 with the headers of a 200 that caches need: validators and Cache-Control. */
function notModified(representation: Representation, validators: Record<string, string>): ResponsePlan {
  const cacheControl = representation.headers['cache-control'];
  const headers: Record<string, string> = { ...validators };
  if (cacheControl !== undefined) headers['cache-control'] = cacheControl;
  return { status: 304, headers, body: null };
}

/**
 * If-Range holds when its validator is the current strong ETag, or exactly the current Last-Modified date
 * (RFC 9110 section 13.1.5); a weak tag never matches.
 */
function rangeStillApplies(ifRange: string | undefined, representation: Representation): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === representation.etag;
  if (value.startsWith('W/')) return false;
  const date = parseHttpDate(value);
  return date !== null && date === wholeSeconds(representation.lastModified);
}

/**
 * Compares a list of entity tags from If-Match or If-None-Match with the current tag. Strong comparison
 * (If-Match) refuses weak tags; weak comparison (If-None-Match) ignores the W/ prefix.
 */
export function matchesEntityTag(header: string, current: string, comparison: 'strong' | 'weak'): boolean {
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  for (const candidate of trimmed.split(',')) {
    let tag = candidate.trim();
    if (tag.startsWith('W/')) {
      if (comparison === 'strong') continue;
      tag = tag.slice(2);
    }
    if (tag === current) return true;
  }
  return false;
}

/** Parses an HTTP date into whole seconds since the epoch; null when invalid, so the header is ignored. */
function parseHttpDate(value: string): number | null {
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : Math.floor(time / 1000);
}

function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
