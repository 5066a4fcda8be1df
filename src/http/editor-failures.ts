import type { FastifyError, FastifyRequest } from 'fastify';

import { VitrailError } from '../errors/catalogue.js';
import type { EditorLanguage } from '../integrations/editor-language.js';
import { editorMessage } from '../integrations/editor-messages.js';
import { toVitrailError } from './error-handler.js';

/** An error as an editor protocol carries it: status, stable code and a message in the editor's language. */
export interface EditorFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export interface EditorFailureContext {
  readonly language: EditorLanguage;
  readonly maxUploadBytes: number;
  readonly fileName?: string;
}

/**
 * Turns anything thrown while serving an editor into the failure to send back. Expected errors are logged
 * at info with their code. Anything else is logged as an error and becomes a generic message with the
 * request id, so nothing internal leaks.
 */
export function toEditorFailure(error: unknown, request: FastifyRequest, context: EditorFailureContext): EditorFailure {
  let known: VitrailError | null = null;
  if (error instanceof VitrailError) known = error;
  else if (typeof error === 'object' && error !== null) known = toVitrailError(error as FastifyError, { maxUploadBytes: context.maxUploadBytes });
  if (known === null) {
    request.log.error({ err: error }, 'unexpected error in an editor upload');
    known = new VitrailError('VITRAIL_INTERNAL', { requestId: request.id });
  } else if (known.status >= 500) {
    request.log.error({ err: error, code: known.code }, known.message);
  } else {
    request.log.info({ code: known.code }, known.message);
  }
  const message = editorMessage(known, context.language, {
    fileName: context.fileName,
    requestId: request.id,
    maxUploadBytes: context.maxUploadBytes,
  });
  return { status: known.status, code: known.code, message };
}
