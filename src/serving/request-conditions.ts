import type { IncomingHttpHeaders } from 'node:http';

import type { RequestConditions } from './response-plan.js';

/** The request headers, lower-cased, that make a GET or HEAD conditional or partial. */
export const CONDITION_HEADERS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'range', 'if-range'] as const;

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
