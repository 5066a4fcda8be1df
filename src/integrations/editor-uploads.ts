import type { FastifyRequest } from 'fastify';

import type { Principal } from '../auth/principal.js';
import type { MediaRow } from '../db/schema.js';
import { VitrailError } from '../errors/catalogue.js';
import type { MediaService } from '../media/media-service.js';
import { detectFileType } from '../media/media-types.js';
import type { StagedFile } from '../storage/staging-area.js';

/** One file of an editor's upload: the media made from it, or why it was rejected. */
export type EditorFileOutcome =
  | { readonly kind: 'stored'; readonly fileName: string; readonly media: MediaRow }
  | { readonly kind: 'rejected'; readonly fileName: string; readonly size: number; readonly error: VitrailError };

export interface EditorUploadOptions {
  /** Multipart field that carries the files, such as `upload` or `files[]`. */
  readonly field: string;
  /** Most files accepted in one request. */
  readonly maxFiles: number;
}

/** Text fields an editor may add beside its files, such as CKEditor 4's `ckCsrfToken`. */
const TEXT_PARTS_ALLOWED = 10;

interface ReceivedFile {
  readonly fileName: string;
  readonly staged?: StagedFile;
  readonly error?: VitrailError;
  readonly size: number;
}

/**
 * Receives the files an editor posts and turns each into a media through MediaService, the same path as
 * the media API. Each file succeeds or fails on its own, so a batch of Mosaico files keeps the good ones.
 * Text fields (CKEditor 4 adds `ckCsrfToken`) and files in other fields are ignored.
 * Editors insert what they receive into mails, so only raster images are accepted: an SVG or a PDF is
 * rejected before anything is stored.
 */
export async function receiveEditorUpload(
  request: FastifyRequest,
  media: MediaService,
  principal: Principal,
  options: EditorUploadOptions,
): Promise<EditorFileOutcome[]> {
  if (!request.isMultipart()) {
    throw new VitrailError('VITRAIL_REQUEST_CONTENT_TYPE', {
      expected: `multipart/form-data with the file in the field "${options.field}"`,
      received: request.headers['content-type'] ?? 'none',
    });
  }

  const received = await readFiles(request, media, options);
  if (received.length === 0) throw new VitrailError('VITRAIL_EDITOR_FILE_MISSING', { field: options.field });

  const outcomes: EditorFileOutcome[] = [];
  for (const file of received) {
    outcomes.push(await storeFile(file, media, principal));
  }
  return outcomes;
}

/** Streams every file of the field to the staging area; a file over the size limit is recorded as rejected. */
async function readFiles(request: FastifyRequest, media: MediaService, options: EditorUploadOptions): Promise<ReceivedFile[]> {
  const received: ReceivedFile[] = [];
  try {
    // A file over the size limit is cut by the parser and marked truncated instead of failing the whole
    // request, so the files after it are still read. @fastify/multipart reads throwFileSizeLimit from these
    // options at run time although its types for parts() omit it.
    const parserOptions = { limits: { files: options.maxFiles, parts: options.maxFiles + TEXT_PARTS_ALLOWED }, throwFileSizeLimit: false };
    for await (const part of request.parts(parserOptions)) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== options.field) {
        part.file.resume();
        continue;
      }
      try {
        const staged = await media.receiveUpload(part.file);
        if (part.file.truncated) {
          await media.discardUpload(staged);
          throw media.tooLargeError();
        }
        received.push({ fileName: part.filename, staged, size: staged.size });
      } catch (error) {
        if (!isTooLarge(error)) throw error;
        part.file.resume();
        received.push({ fileName: part.filename, error: media.tooLargeError(), size: part.file.bytesRead });
      }
    }
  } catch (error) {
    await Promise.all(received.map((file) => (file.staged === undefined ? undefined : media.discardUpload(file.staged))));
    if ((error as { code?: unknown } | null)?.code === 'FST_FILES_LIMIT') {
      throw new VitrailError('VITRAIL_EDITOR_TOO_MANY_FILES', { max: options.maxFiles }, { cause: error });
    }
    throw error;
  }
  return received;
}

async function storeFile(file: ReceivedFile, media: MediaService, principal: Principal): Promise<EditorFileOutcome> {
  if (file.staged === undefined) {
    return { kind: 'rejected', fileName: file.fileName, size: file.size, error: file.error ?? media.tooLargeError() };
  }
  try {
    const detected = await detectFileType(file.staged.path);
    if (file.staged.size > 0 && (detected === null || !isMailImage(detected.mime))) {
      await media.discardUpload(file.staged);
      throw new VitrailError('VITRAIL_EDITOR_NOT_AN_IMAGE', { name: file.fileName, detected: detected?.mime ?? 'of no recognised type' });
    }
    const row = await media.createMedia(file.staged, { fileName: file.fileName }, principal);
    return { kind: 'stored', fileName: file.fileName, media: row };
  } catch (error) {
    if (!(error instanceof VitrailError)) throw error;
    return { kind: 'rejected', fileName: file.fileName, size: file.size, error };
  }
}

/** Raster images only: mail clients do not show SVG, and an SVG may carry script. */
function isMailImage(mime: string): boolean {
  return mime.startsWith('image/') && mime !== 'image/svg+xml';
}

function isTooLarge(error: unknown): boolean {
  if (error instanceof VitrailError) return error.code === 'VITRAIL_MEDIA_TOO_LARGE';
  return (error as { code?: unknown } | null)?.code === 'FST_REQ_FILE_TOO_LARGE';
}
