import { STATUS_CODES } from 'node:http';

import type { MediaView } from './media-view.js';
import { describeBytes, VitrailError } from '../errors/catalogue.js';

/** Metadata key in which the server records who created an upload; a client value is overwritten. */
export const OWNER_KEY = 'vitrailOwner';

/** A finished upload whose bytes are already in the library. */
export class DuplicateUpload extends Error {
  constructor(
    readonly error: VitrailError,
    readonly media: MediaView,
  ) {
    super(error.message);
    this.name = 'DuplicateUpload';
  }
}

/** The reason given for tus's terse "Invalid content-type", in words a client can act on. */
const PATCH_CONTENT_TYPE = 'a PATCH must carry the header "Content-Type: application/offset+octet-stream"';

/** The reason given for tus's terse "Invalid upload-metadata", with the format it expects. */
const METADATA_FORMAT =
  'the header "Upload-Metadata" must hold comma-separated pairs of a key and its base64 value, such as "filename YnVsbGV0aW4ucGRm,visibility cHJpdmF0ZQ=="';

/** Writes the JSON body of an error, with its details, in the format of the rest of the API. */
function errorBody(error: VitrailError, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ error: { ...error.details, code: error.code, message: error.message, ...extra } });
}

/**
 * Maps an error thrown while serving a tus request to the status and body tus sends. Vitrail's own errors keep their
 * code; a finished upload found in the library also carries that media. tus's own errors pass through,
 * and shapeTusResponse gives them a code.
 */
export function tusErrorResponse(error: Error | { status_code: number; body: string }): { status_code: number; body: string } {
  if (error instanceof DuplicateUpload) return { status_code: error.error.status, body: errorBody(error.error, { media: error.media }) };
  if (error instanceof VitrailError) return { status_code: error.status, body: errorBody(error) };
  if ('status_code' in error) return error;
  const internal = new VitrailError('VITRAIL_UPLOAD_INTERRUPTED');
  return { status_code: internal.status, body: errorBody(internal) };
}

/** Chooses the Vitrail error for a plain-text error response of tus, by its status. */
function errorForTusStatus(status: number, text: string, context: TusResponseContext): VitrailError {
  // tus returns 413 both for a body that goes past the declared Upload-Length and for one over the limit.
  if (status === 413 && /upload's size exceeded/i.test(text)) return new VitrailError('VITRAIL_UPLOAD_LENGTH_EXCEEDED');
  if (status === 413) return new VitrailError('VITRAIL_MEDIA_TOO_LARGE', { limit: describeBytes(context.maxUploadBytes) });
  if (status === 404 || status === 410) return new VitrailError('VITRAIL_UPLOAD_NOT_FOUND', { id: context.uploadId ?? '' });
  if (status === 409) return new VitrailError('VITRAIL_UPLOAD_OFFSET_CONFLICT');
  if (status === 412) return new VitrailError('VITRAIL_UPLOAD_TUS_VERSION');
  if (status >= 500 && status !== 501) return new VitrailError('VITRAIL_UPLOAD_INTERRUPTED');
  if (/content-type/i.test(text)) return new VitrailError('VITRAIL_UPLOAD_REQUEST_INVALID', { reason: PATCH_CONTENT_TYPE });
  if (/^Invalid upload-metadata\b/i.test(text.trim())) return new VitrailError('VITRAIL_UPLOAD_REQUEST_INVALID', { reason: METADATA_FORMAT });
  // tus's reasons end with a newline or a period; the catalogue's sentence adds its own.
  return new VitrailError('VITRAIL_UPLOAD_REQUEST_INVALID', { reason: text.trim().replace(/\.$/, '') });
}

export interface TusResponseContext {
  readonly maxUploadBytes: number;
  /** The upload the request names in its URL, if any. */
  readonly uploadId: string | null;
}

/**
 * Gives a tus response the shape of the rest of the API before it is sent. Every error becomes JSON, with
 * its Content-Type, and a stable code; tus's own errors take the catalogue's status. The response to HEAD
 * no longer lists the owner's user id among the upload's metadata. Every status line gets its reason
 * phrase, which tus leaves empty.
 */
export async function shapeTusResponse(response: Response, context: TusResponseContext): Promise<Response> {
  const headers = new Headers(response.headers);
  const metadata = headers.get('upload-metadata');
  if (metadata !== null) {
    const visible = metadata.split(',').filter((pair) => pair.trim().split(' ')[0] !== OWNER_KEY);
    if (visible.length > 0) headers.set('upload-metadata', visible.join(','));
    else headers.delete('upload-metadata');
  }
  if (response.status < 400) {
    // tus labels its empty responses text/plain, so a response without a body loses that type.
    const text = await response.text();
    if (text === '') headers.delete('content-type');
    return new Response(text === '' ? null : text, { status: response.status, statusText: STATUS_CODES[response.status], headers });
  }

  let body = await response.text();
  let status = response.status;
  if (!isErrorJson(body)) {
    const error = errorForTusStatus(status, body, context);
    body = errorBody(error);
    status = error.status;
  }
  headers.set('content-type', 'application/json; charset=utf-8');
  headers.set('content-length', String(Buffer.byteLength(body)));
  return new Response(body, { status, statusText: STATUS_CODES[status], headers });
}

function isErrorJson(text: string): boolean {
  if (!text.startsWith('{')) return false;
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string';
  } catch {
    return false;
  }
}
