import { REQUEST_ID_HEADER } from '../http/request-ids.js';
import { CONDITION_HEADERS } from './request-conditions.js';

/** The request headers that a cache hit depends on. */
export interface HitHeaders {
  /** Authorization is present: the route checks the credentials, and the fetch is not anonymous. */
  readonly credentials: boolean;
  /** Origin is present: a response with CORS headers must be made for it. */
  readonly origin: boolean;
  /** A conditional or Range header is present: the response is planned for this request. */
  readonly conditional: boolean;
  /** The X-Request-Id value, repeated ones joined with ", " as node:http joins them; undefined when absent. */
  readonly requestId: string | undefined;
}

type HeaderKind = 'credentials' | 'origin' | 'conditional' | 'requestId';

const KINDS = new Map<string, HeaderKind>([
  ['authorization', 'credentials'],
  ['origin', 'origin'],
  [REQUEST_ID_HEADER, 'requestId'],
  ...CONDITION_HEADERS.map((name): [string, HeaderKind] => [name, 'conditional']),
]);

/** Lengths of the names above, so that most other names are skipped without being lower-cased. */
const KIND_NAME_LENGTHS = new Set([...KINDS.keys()].map((name) => name.length));

/**
 * Reads the headers that decide a cache hit from `rawHeaders`, the name, value list as received. Reading
 * `request.headers` instead makes node:http build an object of every header, lower-casing each name, a
 * cost that showed in the CPU time of a cached 20 KB response (docs/benchmarks.md). The route, on a miss,
 * reads `request.headers` as usual.
 */
export function readHitHeaders(rawHeaders: readonly string[]): HitHeaders {
  let credentials = false;
  let origin = false;
  let conditional = false;
  let requestId: string | undefined;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    if (!KIND_NAME_LENGTHS.has(name.length)) continue;
    switch (KINDS.get(name) ?? KINDS.get(name.toLowerCase())) {
      case 'credentials':
        credentials = true;
        break;
      case 'origin':
        origin = true;
        break;
      case 'conditional':
        conditional = true;
        break;
      case 'requestId': {
        const value = rawHeaders[index + 1] as string;
        requestId = requestId === undefined ? value : `${requestId}, ${value}`;
        break;
      }
      default:
        break;
    }
  }
  return { credentials, origin, conditional, requestId };
}
