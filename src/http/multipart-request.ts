import type { FastifyRequest } from 'fastify';

import { VitrailError } from '../errors/catalogue.js';

/** Rejects a request that is not multipart/form-data, before any of its body is read. */
export function assertMultipart(request: FastifyRequest): void {
  if (request.isMultipart()) return;
  throw new VitrailError('VITRAIL_REQUEST_CONTENT_TYPE', {
    expected: 'multipart/form-data with the file in the field "file"',
    received: request.headers['content-type'] ?? 'none',
  });
}
