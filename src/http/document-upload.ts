import type { FastifyRequest } from 'fastify';

import { VitrailError } from '../errors/catalogue.js';
import type { MediaService } from '../media/media-service.js';
import type { StagedFile } from '../storage/staging-area.js';
import { assertMultipart } from './multipart-request.js';

/** A multipart request with one file in the field "file" and text fields, each possibly repeated. */
export interface DocumentUpload {
  readonly staged: StagedFile;
  readonly fileName: string;
  readonly fields: ReadonlyMap<string, readonly string[]>;
}

/**
 * Reads a multipart request whose file is a document to process (a page, a mailing) rather than a media.
 * The file streams to the staging area through the media upload path, with its size limit; the caller
 * must discard the staged file once done.
 */
export async function receiveDocumentUpload(request: FastifyRequest, media: MediaService, allowedFields: readonly string[]): Promise<DocumentUpload> {
  assertMultipart(request);

  let staged: StagedFile | undefined;
  let fileName = '';
  const fields = new Map<string, string[]>();
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw new VitrailError('VITRAIL_UPLOAD_UNKNOWN_FIELD', { field: part.fieldname });
        }
        if (staged !== undefined) {
          part.file.resume();
          throw new VitrailError('VITRAIL_UPLOAD_TOO_MANY_FILES');
        }
        fileName = part.filename;
        staged = await media.receiveUpload(part.file);
        if (part.file.truncated) throw media.tooLargeError();
        continue;
      }
      if (!allowedFields.includes(part.fieldname)) {
        throw new VitrailError('VITRAIL_VALIDATION_FAILED', {
          reason: `the multipart field "${part.fieldname}" is not recognised here; use "file"${allowedFields.map((field) => `, "${field}"`).join('')}`,
        });
      }
      if (part.valueTruncated) {
        throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: `the field "${part.fieldname}" is too long` });
      }
      fields.set(part.fieldname, [...(fields.get(part.fieldname) ?? []), String(part.value)]);
    }
  } catch (error) {
    if (staged !== undefined) await media.discardUpload(staged);
    throw toMalformedUpload(error);
  }

  if (staged === undefined) throw new VitrailError('VITRAIL_UPLOAD_FILE_MISSING');
  return { staged, fileName, fields };
}

/** Reads an optional yes/no field: "true"/"false", "1"/"0", "yes"/"no", "on"/"off". */
export function readBooleanField(upload: DocumentUpload, name: string): boolean | undefined {
  const value = upload.fields.get(name)?.at(-1)?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: `the field "${name}" must be true or false, not "${value}"` });
}

/** Busboy's own errors are plain Errors without a code, for a body that breaks multipart/form-data. */
function toMalformedUpload(error: unknown): unknown {
  if (error instanceof VitrailError) return error;
  const candidate = error as { code?: unknown; message?: unknown } | null;
  if (candidate !== null && typeof candidate === 'object' && candidate.code === undefined && typeof candidate.message === 'string') {
    return new VitrailError('VITRAIL_UPLOAD_MALFORMED', { reason: candidate.message.replace(/\.$/, '').toLowerCase() }, { cause: error });
  }
  return error;
}
