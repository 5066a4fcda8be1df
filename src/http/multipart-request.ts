import type { FastifyRequest } from 'fastify';

import { VitrailError } from '../errors/catalogue.js';

/**
 * Buffer sizes handed to busboy, in bytes: `highWaterMark` for the parser reading the request and
 * `fileHwm` for the stream of a file part. With Node's 16 KiB default the parser pauses after every
 * socket read until the file's consumer catches up; 1 MiB keeps it parsing while the staging area hashes
 * and writes. STAGING_WRITE_BUFFER_BYTES gives the effect of both, as measured.
 */
export const MULTIPART_BUFFERS = { highWaterMark: 1024 * 1024, fileHwm: 1024 * 1024 } as const;

/** Rejects a request that is not multipart/form-data, before any of its body is read. */
export function assertMultipart(request: FastifyRequest): void {
  if (request.isMultipart()) return;
  throw new VitrailError('VITRAIL_REQUEST_CONTENT_TYPE', {
    expected: 'multipart/form-data with the file in the field "file"',
    received: request.headers['content-type'] ?? 'none',
  });
}
