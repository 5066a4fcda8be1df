import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { describeBytes, VitrailError, type ErrorCode, type ErrorParameters } from '../errors/catalogue.js';
import { expectedBodyType } from './body-types.js';
import { describeValidationFailure } from './validation-messages.js';

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

export interface ErrorHandlerOptions {
  readonly maxUploadBytes: number;
}

/**
 * Maps every error to `{"error":{"code","message"}}` with its status. Expected errors keep their message;
 * anything unexpected becomes a generic 500 that leaks nothing and points to the request id in the log.
 */
export function registerErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toVitrailError(error, options, request);
    if (known === null) {
      if (isClientGone(request)) {
        request.log.info({ err: error }, 'client went away before the answer');
        return reply.code(499).send();
      }
      request.log.error({ err: error }, 'unexpected error');
      return sendError(reply, new VitrailError('VITRAIL_INTERNAL', { requestId: request.id }));
    }
    if (known.status >= 500) request.log.error({ err: error, code: known.code }, known.message);
    else request.log.info({ code: known.code }, known.message);
    return sendError(reply, known);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return sendError(reply, new VitrailError('VITRAIL_ROUTE_NOT_FOUND', { method: request.method, path }));
  });
}

/** The challenge of RFC 6750 for each 401 about API tokens, so that clients know to send a Bearer token. */
const BEARER_CHALLENGES: Partial<Record<ErrorCode, string>> = {
  VITRAIL_AUTH_REQUIRED: 'Bearer realm="Vitrail"',
  VITRAIL_AUTH_INVALID_TOKEN: 'Bearer realm="Vitrail", error="invalid_token"',
  VITRAIL_AUTH_SCHEME: 'Bearer realm="Vitrail", error="invalid_request"',
};

export function sendError(reply: FastifyReply, error: VitrailError): FastifyReply {
  const body: ErrorBody = { error: { ...error.details, code: error.code, message: error.message } };
  const challenge = BEARER_CHALLENGES[error.code];
  if (challenge !== undefined) reply.header('www-authenticate', challenge);
  return reply.code(error.status).type('application/json; charset=utf-8').send(body);
}

type FrameworkErrorMapping = (error: FastifyError, options: ErrorHandlerOptions, request: FastifyRequest | undefined) => [ErrorCode, ErrorParameters];

/** Fastify and @fastify/multipart error codes, by the catalogue entry each one becomes. */
const FRAMEWORK_ERRORS: Record<string, FrameworkErrorMapping> = {
  FST_ERR_VALIDATION: (error, _options, request) => {
    const [failure] = error.validation ?? [];
    const reason = failure === undefined ? error.message : describeValidationFailure(failure, error.validationContext, request);
    return ['VITRAIL_VALIDATION_FAILED', { reason }];
  },
  FST_ERR_CTP_INVALID_JSON_BODY: () => ['VITRAIL_VALIDATION_FAILED', { reason: 'the body is not valid JSON' }],
  FST_ERR_CTP_EMPTY_JSON_BODY: () => ['VITRAIL_VALIDATION_FAILED', { reason: 'the JSON body is empty' }],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_error, _options, request) => [
    'VITRAIL_REQUEST_CONTENT_TYPE',
    { expected: expectedBodyType(request), received: request?.headers['content-type'] ?? '' },
  ],
  // Only bodies parsed by Fastify reach this limit, JSON ones; uploads have their own, in the catalogue's 413s.
  FST_ERR_CTP_BODY_TOO_LARGE: (_error, options, request) => ['VITRAIL_REQUEST_TOO_LARGE', { limit: describeBytes(request?.routeOptions.bodyLimit ?? options.maxUploadBytes) }],
  FST_REQ_FILE_TOO_LARGE: (_error, options) => ['VITRAIL_MEDIA_TOO_LARGE', { limit: describeBytes(options.maxUploadBytes) }],
  FST_FILES_LIMIT: () => ['VITRAIL_UPLOAD_TOO_MANY_FILES', {}],
  FST_PARTS_LIMIT: () => ['VITRAIL_UPLOAD_MALFORMED', { reason: 'it has too many parts' }],
  FST_FIELDS_LIMIT: () => ['VITRAIL_UPLOAD_MALFORMED', { reason: 'it has too many fields' }],
  FST_PROTO_VIOLATION: () => ['VITRAIL_UPLOAD_MALFORMED', { reason: 'a field name is not allowed' }],
  FST_INVALID_MULTIPART_CONTENT_TYPE: () => ['VITRAIL_REQUEST_CONTENT_TYPE', { expected: 'multipart/form-data', received: 'another type' }],
};

export function toVitrailError(error: FastifyError, options: ErrorHandlerOptions, request?: FastifyRequest): VitrailError | null {
  if (error instanceof VitrailError) return error;
  const mapping = error.code === undefined ? undefined : FRAMEWORK_ERRORS[error.code];
  if (mapping !== undefined) {
    const [code, parameters] = mapping(error, options, request);
    return new VitrailError(code, parameters, { cause: error });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: error.message }, { cause: error });
  }
  return null;
}

function isClientGone(request: FastifyRequest): boolean {
  return request.raw.destroyed || request.raw.socket?.destroyed === true;
}
