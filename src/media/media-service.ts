import type { Readable } from 'node:stream';

import type { Logger } from 'pino';

import { accessPolicy, type Action } from '../auth/access-policy.js';
import type { Principal } from '../auth/principal.js';
import type { MediaCursor, MediaRepository } from '../db/repositories/media-repository.js';
import type { MediaRow, Visibility } from '../db/schema.js';
import { describeBytes, VitrailError } from '../errors/catalogue.js';
import type { ImageProbe } from '../images/image-probe.js';
import type { BlobStore } from '../storage/blob-store.js';
import { StagedFileTooLargeError, type StagedFile, type StagingArea } from '../storage/staging-area.js';
import type { Clock } from '../time/clock.js';
import { cleanFileName, foldForSearch, hasUsableName } from './file-names.js';
import { createMediaId } from './media-ids.js';
import { detectFileType, isTypeAllowed } from './media-types.js';

export const VISIBILITIES: readonly Visibility[] = ['public', 'private'];
/** Longest alt text, in characters: far above what a screen reader user wants to hear. */
export const MAX_ALT_LENGTH = 1000;
export const MAX_PAGE_SIZE = 200;

export interface MediaServiceDependencies {
  readonly media: MediaRepository;
  readonly blobs: BlobStore;
  readonly staging: StagingArea;
  readonly images: ImageProbe;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxUploadBytes: number;
  readonly allowedTypes: readonly string[];
}

export interface NewMediaFields {
  readonly fileName: string;
  readonly visibility?: string;
  readonly alt?: string;
}

export interface MediaChanges {
  readonly name?: string;
  readonly alt?: string;
  readonly visibility?: string;
}

export interface MediaListRequest {
  readonly trashed: boolean;
  readonly search?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface MediaPage {
  readonly items: MediaRow[];
  /** Opaque position of the next page, or null on the last page. */
  readonly nextCursor: string | null;
}

/** Media use cases: upload, read, list, rename and change, trash and restore. */
export class MediaService {
  constructor(private readonly deps: MediaServiceDependencies) {}

  /** Streams an upload to the staging area within the size limit. */
  async receiveUpload(source: Readable): Promise<StagedFile> {
    try {
      return await this.deps.staging.receive(source, this.deps.maxUploadBytes);
    } catch (error) {
      if (error instanceof StagedFileTooLargeError) throw this.tooLargeError();
      throw error;
    }
  }

  async discardUpload(staged: StagedFile): Promise<void> {
    await this.deps.staging.discard(staged);
  }

  tooLargeError(): VitrailError {
    return new VitrailError('VITRAIL_MEDIA_TOO_LARGE', { limit: describeBytes(this.deps.maxUploadBytes) });
  }

  /**
   * Turns a staged upload into a media: checks it, moves its bytes into the blob store, then commits the
   * row. The row comes last, so a crash at any step leaves no media pointing at missing bytes.
   * The staged file is consumed or removed in every case.
   */
  async createMedia(staged: StagedFile, fields: NewMediaFields, principal: Principal): Promise<MediaRow> {
    try {
      this.requireRight(principal, 'upload media');
      const visibility = parseVisibility(fields.visibility ?? 'public');
      const alt = cleanAlt(fields.alt ?? '');
      if (staged.size === 0) {
        throw new VitrailError('VITRAIL_MEDIA_EMPTY', { name: cleanFileName(fields.fileName, 'bin') });
      }

      const detected = await detectFileType(staged.path);
      const name = cleanFileName(fields.fileName, detected?.extension ?? 'bin');
      if (detected === null || !isTypeAllowed(detected.mime, this.deps.allowedTypes)) {
        throw new VitrailError('VITRAIL_MEDIA_TYPE_NOT_ALLOWED', {
          name,
          detected: detected === null ? 'of no recognised type' : detected.mime,
          allowed: this.deps.allowedTypes.join(', '),
        });
      }
      const dimensions = detected.mime.startsWith('image/') ? await this.deps.images.readDimensions(staged.path) : null;

      await this.deps.blobs.putFile(staged.sha256, staged.path);

      const now = this.deps.clock.now().toISOString();
      const row: MediaRow = {
        id: createMediaId(),
        name,
        name_folded: foldForSearch(name),
        mime: detected.mime,
        size: staged.size,
        sha256: staged.sha256,
        width: dimensions?.width ?? null,
        height: dimensions?.height ?? null,
        visibility,
        alt,
        created_by: principal.userId,
        created_at: now,
        updated_at: now,
        trashed_at: null,
      };
      await this.deps.media.insert(row);
      this.deps.logger.info({ mediaId: row.id, sha256: row.sha256, size: row.size, mime: row.mime, userId: principal.userId }, 'media uploaded');
      return row;
    } finally {
      await this.deps.staging.discard(staged);
    }
  }

  /** Reads a media for someone who may edit it; trashed media are included. */
  async getMedia(id: string, principal: Principal): Promise<MediaRow> {
    this.requireRight(principal, 'edit media');
    return this.requireMedia(id);
  }

  /** Finds a media that this reader, possibly anonymous, may fetch; null otherwise, whatever the reason. */
  async findReadableMedia(id: string, principal: Principal | null): Promise<MediaRow | null> {
    const media = await this.deps.media.findById(id);
    if (media === undefined || !accessPolicy.canReadMedia(principal, media)) return null;
    return media;
  }

  async listMedia(request: MediaListRequest, principal: Principal): Promise<MediaPage> {
    this.requireRight(principal, 'edit media');
    const limit = request.limit;
    const rows = await this.deps.media.list({
      trashed: request.trashed,
      nameContains: request.search === undefined ? undefined : foldForSearch(request.search.normalize('NFC').trim()),
      limit: limit + 1,
      after: request.cursor === undefined ? undefined : decodeCursor(request.cursor),
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const nextCursor = rows.length > limit && last !== undefined ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null;
    return { items, nextCursor };
  }

  /** Renames, changes the alt text or the visibility; the URL stays the same. */
  async updateMedia(id: string, changes: MediaChanges, principal: Principal): Promise<MediaRow> {
    this.requireRight(principal, 'edit media');
    const media = await this.requireMedia(id);
    const update: Partial<MediaRow> = { updated_at: this.deps.clock.now().toISOString() };
    if (changes.name !== undefined) {
      if (!hasUsableName(changes.name)) {
        throw new VitrailError('VITRAIL_VALIDATION_FAILED', {
          reason: `the name "${changes.name}" has nothing left once path parts, control characters and leading dots are removed`,
        });
      }
      const extension = media.name.includes('.') ? (media.name.split('.').pop() ?? 'bin') : 'bin';
      update.name = cleanFileName(changes.name, extension);
      update.name_folded = foldForSearch(update.name);
    }
    if (changes.alt !== undefined) update.alt = cleanAlt(changes.alt);
    if (changes.visibility !== undefined) update.visibility = parseVisibility(changes.visibility);
    const updated = await this.deps.media.update(id, update);
    this.deps.logger.info({ mediaId: id, userId: principal.userId, changed: Object.keys(changes) }, 'media updated');
    return updated ?? media;
  }

  /** Moves a media to the trash: its URL stops answering until it is restored. */
  async trashMedia(id: string, principal: Principal): Promise<MediaRow> {
    this.requireRight(principal, 'edit media');
    const media = await this.requireMedia(id);
    if (media.trashed_at !== null) return media;
    const now = this.deps.clock.now().toISOString();
    const updated = await this.deps.media.update(id, { trashed_at: now, updated_at: now });
    this.deps.logger.info({ mediaId: id, userId: principal.userId }, 'media moved to the trash');
    return updated ?? media;
  }

  async restoreMedia(id: string, principal: Principal): Promise<MediaRow> {
    this.requireRight(principal, 'edit media');
    const media = await this.requireMedia(id);
    if (media.trashed_at === null) throw new VitrailError('VITRAIL_MEDIA_NOT_TRASHED', { id });
    const updated = await this.deps.media.update(id, { trashed_at: null, updated_at: this.deps.clock.now().toISOString() });
    this.deps.logger.info({ mediaId: id, userId: principal.userId }, 'media restored from the trash');
    return updated ?? media;
  }

  private async requireMedia(id: string): Promise<MediaRow> {
    const media = await this.deps.media.findById(id);
    if (media === undefined) throw new VitrailError('VITRAIL_MEDIA_NOT_FOUND', { id });
    return media;
  }

  private requireRight(principal: Principal, action: Action): void {
    if (!accessPolicy.can(principal, action)) throw new VitrailError('VITRAIL_FORBIDDEN', { action });
  }
}

export function parseVisibility(input: string): Visibility {
  if (!(VISIBILITIES as readonly string[]).includes(input)) {
    throw new VitrailError('VITRAIL_VALIDATION_FAILED', {
      reason: `visibility must be one of ${VISIBILITIES.join(', ')}, not "${input}"`,
    });
  }
  return input as Visibility;
}

function cleanAlt(input: string): string {
  const alt = input.normalize('NFC').replace(/[\p{Cc}]/gu, ' ').trim();
  if ([...alt].length > MAX_ALT_LENGTH) {
    throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: `the alt text must have at most ${MAX_ALT_LENGTH} characters` });
  }
  return alt;
}

function encodeCursor(cursor: MediaCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

function decodeCursor(raw: string): MediaCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((part) => typeof part === 'string')) {
      return { createdAt: parsed[0] as string, id: parsed[1] as string };
    }
  } catch {
    // Falls through to the validation error below.
  }
  throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: `the cursor "${raw}" is not one this server returned as nextCursor` });
}
