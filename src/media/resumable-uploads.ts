import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { Server as TusServer } from '@tus/server';
import { sendNodeResponse } from 'srvx/node';
import type { Upload } from '@tus/utils';
import type { Logger } from 'pino';

import type { Principal } from '../auth/principal.js';
import { VitrailError } from '../errors/catalogue.js';
import { HashingFileStore } from '../storage/hashing-file-store.js';
import type { HashingThread } from '../storage/hashing-thread.js';
import type { UploadGarbagePacer } from '../ops/garbage-collection.js';
import { syncFile, type StagedFile } from '../storage/staging-area.js';
import { tusRequest } from './tus-request.js';
import { DuplicateUpload, OWNER_KEY, shapeTusResponse, tusErrorResponse } from './tus-responses.js';
import { cleanFolder, parseVisibility, type MediaService } from './media-service.js';
import type { MediaRow } from '../db/schema.js';
import type { MediaView } from './media-view.js';

/**
 * A resumable upload left unfinished is deleted this long after it started, in milliseconds: a day lets
 * an editor on a slow line come back after a break, and no more partial files pile up.
 */
export const RESUMABLE_UPLOAD_EXPIRY_MS = 24 * 60 * 60_000;

export interface ResumableUploadsOptions {
  /** Directory of the partial files, inside the data directory so a finished one is renamed into the blob store. */
  readonly directory: string;
  /** URL path where the tus protocol is served. */
  readonly path: string;
  readonly maxUploadBytes: number;
  readonly media: MediaService;
  readonly viewMedia: (row: MediaRow) => MediaView;
  readonly logger: Logger;
  /** The thread that hashes large uploads beside this one; without it, this thread hashes every upload. */
  readonly hashingThread?: HashingThread | null;
  /** Counts the bytes received, to collect the young generation as they come. */
  readonly garbagePacer?: UploadGarbagePacer | null;
}

/** Upload-Metadata keys the web interface sends; any others are ignored. */
interface UploadFields {
  readonly filename: string;
  readonly visibility?: string;
  readonly alt?: string;
  readonly folder?: string;
}

/**
 * Uploads through the tus protocol (https://tus.io/protocols/resumable-upload), so a transfer cut by a
 * network drop or a server restart resumes where it stopped. Partial files and their metadata live in a
 * directory of the data directory, which survives restarts. A finished upload goes through the same checks
 * and creation path as a multipart upload, then its partial file is gone.
 */
export class ResumableUploads {
  readonly tus: TusServer;
  private readonly store: HashingFileStore;
  private readonly principals = new WeakMap<object, Principal>();

  constructor(private readonly options: ResumableUploadsOptions) {
    this.store = new HashingFileStore({
      directory: options.directory,
      expirationPeriodInMilliseconds: RESUMABLE_UPLOAD_EXPIRY_MS,
      logger: options.logger,
      hashingThread: options.hashingThread,
      garbagePacer: options.garbagePacer,
    });
    this.tus = new TusServer({
      path: options.path,
      datastore: this.store,
      maxSize: options.maxUploadBytes,
      // A relative Location works behind any reverse proxy, whatever Host header it forwards.
      relativeLocation: true,
      disableTerminationForFinishedUploads: true,
      // Only the interface, on Vitrail's own origin, uses tus: no CORS header, where @tus/server sends `*`.
      allowedOrigins: () => false,
      onIncomingRequest: (request, uploadId) => this.checkOwner(this.principalOf(request), uploadId),
      onUploadCreate: async (request, upload) => this.prepare(this.principalOf(request), upload),
      onUploadFinish: async (request, upload) => this.finish(this.principalOf(request), upload),
      onResponseError: (_request, error) => tusErrorResponse(error),
    });
  }

  /** Serves one tus request, with no principal only for OPTIONS; the response is written to `response`. */
  async handle(request: IncomingMessage, response: ServerResponse, principal: Principal | null): Promise<void> {
    if (principal !== null) this.principals.set(request, principal);
    const tusResponse = await this.tus.handleWeb(tusRequest(request, response));
    const uploadPath = new URL(request.url ?? '/', 'http://vitrail').pathname.slice(this.options.path.length + 1);
    const context = { maxUploadBytes: this.options.maxUploadBytes, uploadId: uploadPath === '' ? null : uploadPath };
    await sendNodeResponse(response, await shapeTusResponse(tusResponse, context));
  }

  /** Deletes unfinished uploads older than the expiry; returns how many were deleted. */
  async deleteExpired(): Promise<number> {
    return this.tus.cleanUpExpiredUploads();
  }

  private principalOf(request: { runtime?: { node?: { req?: object } } }): Principal {
    const raw = request.runtime?.node?.req;
    const principal = raw === undefined ? undefined : this.principals.get(raw);
    if (principal === undefined) throw new VitrailError('VITRAIL_AUTH_REQUIRED');
    return principal;
  }

  /** Lets only the user who created an upload continue, read or cancel it; others get 404. */
  private async checkOwner(principal: Principal, uploadId: string): Promise<void> {
    const upload = await this.store.getUpload(uploadId).catch(() => null);
    if (upload !== null && upload.metadata?.[OWNER_KEY] !== principal.userId) {
      throw new VitrailError('VITRAIL_UPLOAD_NOT_FOUND', { id: uploadId });
    }
  }

  /** Checks the right and the fields before any byte is sent, and records the owner. */
  private async prepare(principal: Principal, upload: Upload): Promise<{ metadata: Record<string, string | null> }> {
    const fields = readFields(upload);
    if (fields.visibility !== undefined) parseVisibility(fields.visibility);
    if (fields.folder !== undefined) cleanFolder(fields.folder);
    this.options.media.assertMayUpload(principal);
    return { metadata: { ...upload.metadata, [OWNER_KEY]: principal.userId } };
  }

  /**
   * Turns a finished upload into a media, or rejects it with the same errors as a multipart upload. A file
   * identical to a media of the library is rejected with VITRAIL_MEDIA_DUPLICATE and that media in the body.
   */
  private async finish(principal: Principal, upload: Upload): Promise<{ status_code: number; headers: Record<string, string>; body: string }> {
    const fields = readFields(upload);
    const filePath = path.join(this.options.directory, upload.id);
    try {
      const staged = await stageFinishedFile(filePath, upload.offset, this.store.digestOf(upload.id, upload.offset));
      const existing = await this.options.media.findDuplicate(staged.sha256, principal);
      if (existing !== null) {
        const view = this.options.viewMedia(existing);
        throw new DuplicateUpload(new VitrailError('VITRAIL_MEDIA_DUPLICATE', { name: existing.name, url: view.url }), view);
      }
      const row = await this.options.media.createMedia(
        staged,
        { fileName: fields.filename, visibility: fields.visibility, alt: fields.alt, folder: fields.folder },
        principal,
      );
      this.options.logger.info({ uploadId: upload.id, mediaId: row.id }, 'resumable upload finished');
      return { status_code: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(this.options.viewMedia(row)) };
    } catch (error) {
      const code = error instanceof DuplicateUpload ? error.error.code : error instanceof VitrailError ? error.code : undefined;
      if (code === undefined) this.options.logger.error({ err: error, uploadId: upload.id }, 'finishing a resumable upload failed');
      else this.options.logger.info({ uploadId: upload.id, userId: principal.userId, code }, 'resumable upload rejected');
      throw error;
    } finally {
      await this.store.remove(upload.id).catch(() => this.store.configstore.delete(upload.id));
    }
  }
}

function readFields(upload: Upload): UploadFields {
  const metadata = upload.metadata ?? {};
  const text = (key: string): string | undefined => {
    const value = metadata[key];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    filename: text('filename') ?? text('name') ?? 'upload',
    visibility: text('visibility'),
    alt: text('alt'),
    folder: text('folder'),
  };
}

/**
 * Syncs a finished partial file, giving the staged file that MediaService.createMedia takes. The file is
 * read again to hash it only when the store's running hash does not cover every byte (`knownSha256` null).
 */
async function stageFinishedFile(filePath: string, size: number, knownSha256: Promise<string | null>): Promise<StagedFile> {
  // The hashing thread may still be reading the file's last bytes while the disk flushes it.
  const [sha256] = await Promise.all([knownSha256.then(async (known) => known ?? (await hashFile(filePath))), syncFile(filePath)]);
  return { path: filePath, size, sha256 };
}

async function hashFile(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(filePath), hash);
  return hash.digest('hex');
}
