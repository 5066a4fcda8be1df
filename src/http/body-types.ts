import type { FastifyRequest } from 'fastify';

import { VitrailError } from '../errors/catalogue.js';

/** Returns the body type a route takes: JSON where it has a body schema, a multipart upload otherwise. */
export function expectedBodyType(request: FastifyRequest | undefined): string {
  return request?.routeOptions.schema?.body === undefined ? 'multipart/form-data' : 'application/json';
}

/**
 * Rejects with 415 a body that is not JSON on a route that takes JSON. Fastify parses text/plain and
 * multipart bodies too, and the schema would then report a confusing "body must be object".
 */
export async function rejectNonJsonBody(request: FastifyRequest): Promise<void> {
  if (request.routeOptions.schema?.body === undefined) return;
  const type = request.headers['content-type'];
  // Without a Content-Type there is no body to parse, and the schema reports what is missing.
  if (type === undefined) return;
  const essence = type.split(';')[0]?.trim().toLowerCase() ?? '';
  if (essence === 'application/json' || essence.endsWith('+json')) return;
  throw new VitrailError('VITRAIL_REQUEST_CONTENT_TYPE', { expected: 'application/json', received: type });
}
