import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished, type Readable } from 'node:stream';

import { NodeRequest } from 'srvx/node';

/** Bytes of a request body the web stream may keep unread before it pauses the socket. */
const BODY_BUFFER_BYTES = 1024 * 1024;

/**
 * Wraps a Node request as the web Request that @tus/server reads. Its body streams the socket reads as
 * they are; srvx's own body goes through Node's Readable.toWeb, which copies every chunk.
 */
export function tusRequest(request: IncomingMessage, response: ServerResponse): Request {
  const webRequest = new NodeRequest({ req: request, res: response });
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    Object.defineProperty(webRequest, 'body', { value: bodyStream(request), enumerable: true });
  }
  return webRequest;
}

/**
 * Returns the bytes of `source` as a web stream of its own buffers, without a copy. The stream pauses
 * `source` once BODY_BUFFER_BYTES wait unread, and resumes it when read. It ends with `source`, fails with
 * it, and destroys it when cancelled, as Readable.toWeb does.
 */
export function bodyStream(source: Readable): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        finished(source, (error) => {
          if (settled) return;
          settled = true;
          if (error === undefined || error === null) controller.close();
          else controller.error(error);
        });
      },
      pull() {
        source.resume();
      },
      cancel(reason: unknown) {
        settled = true;
        source.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: BODY_BUFFER_BYTES }),
  );
}
