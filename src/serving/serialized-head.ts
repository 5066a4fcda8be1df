import http, { type IncomingMessage, type ServerResponse } from 'node:http';

import { httpDate } from '../http/http-date.js';

/**
 * The head of a 200 response to a plain GET or HEAD of a cached media, serialised once. For each response,
 * `writeHead` checks every name and value against two regular expressions, looks for the fields that
 * change framing, and joins them into one string. With the fields of a public PDF, skipping that saved
 * about 2 µs of CPU per hit, out of 17 to 19 µs (server pinned to one core).
 *
 * Only the request id and the Date change between responses. The request id comes from
 * `createRequestId`, which accepts only letters, digits and `._:-`, so it needs no check either.
 */
export interface SerializedHead {
  /** The status line and the request id's field name, up to its value. */
  readonly start: string;
  /** The end of the request id field, every other field, and the Date field's name. */
  readonly rest: string;
}

/** The end of a kept-alive response's head from `_storeHeader` when the server sends no Keep-Alive field. */
const KEEP_ALIVE_END = '\r\nConnection: keep-alive\r\n\r\n';

/**
 * Serialises a 200 response's fields, given as writeHead takes them with the request id's field first.
 * Names and values are checked once here, with node:http's own checks, and throw as writeHead would.
 */
export function serializeHead(fields: readonly string[]): SerializedHead {
  const [requestIdName = ''] = fields;
  http.validateHeaderName(requestIdName);
  let rest = '\r\n';
  for (let index = 2; index < fields.length; index += 2) {
    const name = fields[index] ?? '';
    const value = fields[index + 1] ?? '';
    http.validateHeaderName(name);
    http.validateHeaderValue(name, value);
    rest += `${name}: ${value}\r\n`;
  }
  return { start: `HTTP/1.1 200 ${http.STATUS_CODES[200]}\r\n${requestIdName}: `, rest: `${rest}Date: ` };
}

/** The slot where node:http keeps a response's head until the first body bytes go out with it. */
interface HeadSlot {
  _header: string | null;
  _headerSent: boolean;
}

/**
 * True when node:http keeps the serialised head in `_header`, as Node 20 and 22 do (lib/_http_outgoing.js),
 * so that `end()` sends it before the body as after `writeHead`. On a release that changed this, no server
 * uses serialised heads, and every hit goes through writeHead again.
 */
export const SERIALIZED_HEADS_SUPPORTED = (() => {
  const probe = new http.OutgoingMessage() as unknown as Partial<HeadSlot>;
  return probe._header === null && probe._headerSent === false;
})();

/**
 * Gives a response its serialised head in place of writeHead. Returns false, having changed nothing, when
 * node:http must choose the connection fields itself: for a connection that closes after this response
 * (HTTP/1.0 without keep-alive, `Connection: close`) or a request with Expect. Only for a fresh response,
 * on a runtime where SERIALIZED_HEADS_SUPPORTED is true, from a server that sends no Keep-Alive field
 * (keepAliveTimeout 0) and sets no request limit per socket: `createPublicServer` checks those.
 */
export function putSerializedHead(request: IncomingMessage, response: ServerResponse, head: SerializedHead, requestId: string): boolean {
  if (!response.shouldKeepAlive || request.headers.expect !== undefined) return false;
  response.statusCode = 200;
  (response as unknown as HeadSlot)._header = head.start + requestId + head.rest + httpDate() + KEEP_ALIVE_END;
  return true;
}
