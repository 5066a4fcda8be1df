import type { IncomingHttpHeaders } from 'node:http';

import type { RequestConditions } from './response-plan.js';

const CONDITION_HEADERS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'range', 'if-range'] as const;

/** Reads the headers that decide the response to a GET or HEAD; repeated headers are joined with commas. */
export function readRequestConditions(method: string, headers: IncomingHttpHeaders): RequestConditions {
  const header = (name: (typeof CONDITION_HEADERS)[number]): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    method: method === 'HEAD' ? 'HEAD' : 'GET',
    ifMatch: header('if-match'),
    ifNoneMatch: header('if-none-match'),
    ifModifiedSince: header('if-modified-since'),
    ifUnmodifiedSince: header('if-unmodified-since'),
    range: header('range'),
    ifRange: header('if-range'),
  };
}

/** Whether a request carries none of those headers, so the plain response planned once applies. */
export function hasNoConditions(headers: IncomingHttpHeaders): boolean {
  for (const name of CONDITION_HEADERS) if (headers[name] !== undefined) return false;
  return true;
}
