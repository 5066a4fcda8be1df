import type { Readable } from 'node:stream';

import type { Logger } from 'pino';

import { accessPolicy, type Action } from '../auth/access-policy.js';
import type { Principal } from '../auth/principal.js';
import type { MediaPurgeRepository } from '../db/repositories/media-purge-repository.js';
import type { FolderCount, MediaCursor, MediaKind, MediaRepository, MediaSort } from '../db/repositories/media-repository.js';
import type { MediaVersionRepository } from '../db/repositories/media-version-repository.js';
import type { MediaRow, MediaVersionRow, Visibility } from '../db/schema.js';
import { describeBytes, VitrailError } from '../errors/catalogue.js';
import type { DerivedBlobRepository } from '../db/repositories/derived-blob-repository.js';
import type { ImageProbe } from '../images/image-probe.js';
import { derivedBlobRows, imageColumns, type ImageRecord, type ImageRenditions } from '../images/image-renditions.js';
import type { UploadGuard } from '../ops/storage-guard.js';
import type { BlobClaims, BlobClaimSet } from '../storage/blob-claims.js';
import type { BlobStore } from '../storage/blob-store.js';
import { StagedFileTooLargeError, type StagedFile, type StagingArea } from '../storage/staging-area.js';
import type { Clock } from '../time/clock.js';
import { cleanFileName, foldForSearch, hasUsableName } from './file-names.js';
import { createMediaId } from './media-ids.js';
import { isTypeAllowed } from './media-types.js';
import type { FetchCounter } from './fetch-counter.js';
import { RECENT_FETCH_DAYS } from './fetch-counter.js';
import type { MediaPurge, PurgeResult } from './media-purge.js';
import { checkUpload, type CheckedUpload } from './upload-check.js';

export const VISIBILITIES: readonly Visibility[] = ['public', 'private'];
/** Maximum alt text length, in characters: far above what a screen reader user wants to hear. */
export const MAX_ALT_LENGTH = 1000;
export const MAX_PAGE_SIZE = 200;
/** Maximum folder name length, in characters. */
export const MAX_FOLDER_LENGTH = 200;

export interface MediaServiceDependencies {
  readonly media: MediaRepository;
  readonly blobs: BlobStore;
  /** Turns between storing and deleting blobs, shared with purges and other processes. */
  readonly claims: BlobClaims;
  readonly staging: StagingArea;
  readonly images: ImageProbe;
  readonly renditions: ImageRenditions;
  readonly derivedBlobs: DerivedBlobRepository;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxUploadBytes: number;
  readonly allowedTypes: readonly string[];
  readonly versions: MediaVersionRepository;
  readonly purgeRecords: MediaPurgeRepository;
  readonly purge: MediaPurge;
  readonly fetches: FetchCounter;
  /** Days a media stays in the trash before purgeExpiredTrash removes it. */
  readonly trashRetentionDays: number;
  /** Free disk space and quota checks; absent means no limit besides the upload size. */
  readonly uploadGuard?: UploadGuard;
  /** Counts accepted uploads and their bytes. */
  readonly uploadMetrics?: { recordUpload(bytes: number): void };
  /** Listener called on every change to a media before the response is sent, so caches stay exact. */
  readonly changes?: MediaChangeListener;
}

/**
 * Outcome of resolving a public URL: the media to serve, a media that is gone (in the trash or purged,
 * served as 410), or nothing this reader may know about.
 */
export type PublicResolution =
  | { readonly kind: 'available'; readonly media: MediaRow }
  | { readonly kind: 'gone'; readonly wasImage: boolean }
  | { readonly kind: 'not-found' };

/** Caller's go-ahead for a change that breaks mails readers fetched recently; without it the change is rejected. */
export interface Confirmation {
  readonly confirmed: boolean;
}

export interface MediaChangeListener {
  mediaChanged(mediaId: string): Promise<void>;
}

export interface NewMediaFields {
  readonly fileName: string;
  readonly visibility?: string;
  readonly alt?: string;
  readonly folder?: string;
}

export interface MediaChanges {
  readonly name?: string;
  readonly alt?: string;
  readonly visibility?: string;
  /** true publishes the original bytes of an image instead of its mail-ready rendition. */
  readonly publishOriginal?: boolean;
  readonly folder?: string;
}

export interface MediaListRequest {
  readonly trashed: boolean;
  readonly search?: string;
  /** Only media in this folder; '' for media in no folder. */
  readonly folder?: string;
  readonly type?: MediaKind;
  readonly sort?: MediaSort;
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
    await this.deps.uploadGuard?.checkDiskSpace();
    try {
      return await this.deps.staging.receive(source, this.deps.maxUploadBytes);
    } catch (error) {
      if (error instanceof StagedFileTooLargeError) throw this.tooLargeError();
      throw this.deps.uploadGuard?.translateWriteError(error) ?? error;
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
   * row. The row comes last, so a crash at any step leaves no media pointing at missing bytes. The blobs
   * stay claimed until the rows are committed, so a purge of other media with the same bytes waits.
   * The staged file is consumed or removed in every case.
   */
  async createMedia(staged: StagedFile, fields: NewMediaFields, principal: Principal): Promise<MediaRow> {
    const claims = this.deps.claims.open();
    try {
      this.requireRight(principal, 'upload media');
      const visibility = parseVisibility(fields.visibility ?? 'public');
      const alt = cleanAlt(fields.alt ?? '');
      const folder = cleanFolder(fields.folder ?? '');
      const checked = await this.checkUpload(staged, fields.fileName);
      await this.deps.uploadGuard?.checkQuota(principal.userId, checked.size);
      const image = await this.prepareImage(staged, checked, claims);

      await claims.claim(staged.sha256);
      await this.deps.blobs.putFile(staged.sha256, staged.path);

      const now = this.deps.clock.now().toISOString();
      const row = newMediaRow(checked, { visibility, alt, folder, createdBy: principal.userId, createdAt: now, updatedAt: now }, image);
      try {
        await this.deps.media.insert(row);
        await this.deps.derivedBlobs.insert(derivedBlobRows(row.id, image, now));
      } catch (error) {
        throw this.deps.uploadGuard?.translateWriteError(error) ?? error;
      }
      await claims.release();
      this.deps.uploadMetrics?.recordUpload(row.size);
      await this.deps.changes?.mediaChanged(row.id);
      this.deps.logger.info({ mediaId: row.id, sha256: row.sha256, size: row.size, mime: row.mime, userId: principal.userId }, 'media uploaded');
      return row;
    } finally {
      await claims.release();
      await this.deps.staging.discard(staged);
    }
  }

  /** Runs the checks every new content passes, whether uploaded, replacing an earlier one or imported. */
  async checkUpload(staged: StagedFile, fileName: string): Promise<CheckedUpload> {
    return checkUpload(staged, fileName, { allowedTypes: this.deps.allowedTypes, images: this.deps.images });
  }

  /**
   * Checks an image and makes its rendition and thumbnail, for the types the image processor decodes;
   * null for other files. Every new content, uploaded or replacing an earlier one, goes through here. The
   * stored blobs join `claims`, which the caller releases once its rows are committed.
   */
  async prepareImage(staged: StagedFile, checked: CheckedUpload, claims: BlobClaimSet): Promise<ImageRecord | null> {
    if (!checked.mime.startsWith('image/') || !this.deps.renditions.handles(checked.mime)) return null;
    const original = { path: staged.path, mime: checked.mime, sha256: staged.sha256, size: staged.size, name: checked.name };
    return this.deps.renditions.createRenditions(original, claims);
  }

  /** Opens a set of claims for a writer that stores blobs outside this service, such as an import. */
  openBlobClaims(): BlobClaimSet {
    return this.deps.claims.open();
  }

  /**
   * Replaces the content of a media: the same URL serves the new bytes (new ETag, new Last-Modified), and
   * the previous content stays as a version that editors can download. The name keeps its stem and takes
   * the extension of the new type when the type changes. The staged file is consumed or removed.
   */
  async replaceContent(id: string, staged: StagedFile, fileName: string, principal: Principal): Promise<MediaRow> {
    const claims = this.deps.claims.open();
    try {
      this.requireRight(principal, 'edit media');
      const media = await this.requireMedia(id);
      if (media.trashed_at !== null) throw new VitrailError('VITRAIL_MEDIA_IN_TRASH', { id });
      const checked = await this.checkUpload(staged, fileName);
      await this.deps.uploadGuard?.checkQuota(principal.userId, checked.size);
      const image = await this.prepareImage(staged, checked, claims);

      await claims.claim(staged.sha256);
      await this.deps.blobs.putFile(staged.sha256, staged.path);

      const name = checked.mime === media.mime ? media.name : replaceExtension(media.name, checked.extension);
      const now = this.deps.clock.now().toISOString();
      const content = {
        name,
        name_folded: foldForSearch(name),
        mime: checked.mime,
        size: checked.size,
        sha256: checked.sha256,
        width: image?.width ?? checked.width,
        height: image?.height ?? checked.height,
        ...imageColumns(image),
      };
      const replaced = await this.deps.versions.replaceContent(id, media.version, content, principal.userId, now, derivedBlobRows(id, image, now));
      if (replaced === undefined) throw new VitrailError('VITRAIL_MEDIA_CHANGED_MEANWHILE', { id });
      // Released before the dropped blobs are deleted, since the new content may share some of them.
      await claims.release();
      await this.deps.changes?.mediaChanged(id);
      await this.deps.purge.deleteUnreferencedBlobs(replaced.droppedDerivedBlobs);
      this.deps.logger.info(
        { mediaId: id, version: replaced.media.version, sha256: replaced.media.sha256, previousSha256: media.sha256, userId: principal.userId },
        'media content replaced',
      );
      return replaced.media;
    } finally {
      await claims.release();
      await this.deps.staging.discard(staged);
    }
  }

  /** Earlier versions of a media, newest first; the current content is the media itself. */
  async listVersions(id: string, principal: Principal): Promise<MediaVersionRow[]> {
    this.requireRight(principal, 'edit media');
    await this.requireMedia(id);
    return this.deps.versions.list(id);
  }

  async getVersion(id: string, version: number, principal: Principal): Promise<MediaVersionRow> {
    this.requireRight(principal, 'edit media');
    await this.requireMedia(id);
    const found = await this.deps.versions.find(id, version);
    if (found === undefined) throw new VitrailError('VITRAIL_MEDIA_VERSION_NOT_FOUND', { id, version });
    return found;
  }

  /** Checks a detected type against VITRAIL_ALLOWED_TYPES, as createMedia will. */
  acceptsType(mime: string): boolean {
    return isTypeAllowed(mime, this.deps.allowedTypes);
  }

  /** Finds a public media with the same bytes that an importer may link instead of storing a copy. */
  async findPublicMediaWithContent(sha256: string, principal: Principal): Promise<MediaRow | undefined> {
    this.requireRight(principal, 'upload media');
    return this.deps.media.findPublicBySha256(sha256);
  }

  /** Reads a media for someone who may edit it; trashed media are included. */
  async getMedia(id: string, principal: Principal): Promise<MediaRow> {
    this.requireRight(principal, 'edit media');
    return this.requireMedia(id);
  }

  /**
   * Counts an anonymous fetch of a media served at another URL than its own, such as Mosaico's image
   * processor, whose URLs sit in sent mails as public URLs do.
   */
  recordAnonymousFetch(id: string): void {
    this.deps.fetches.record(id);
  }

  /** Finds a media that this reader, possibly anonymous, may fetch; null otherwise, whatever the reason. */
  async findReadableMedia(id: string, principal: Principal | null): Promise<MediaRow | null> {
    const media = await this.deps.media.findById(id);
    if (media === undefined || !accessPolicy.canReadMedia(principal, media)) return null;
    return media;
  }

  /**
   * Decides what the public URL of a media serves to this reader. A trashed or purged media is gone (410)
   * for anyone who could read it before; a private one stays unknown (404) to anonymous readers.
   * Anonymous fetches of an available media are counted.
   */
  async resolvePublicMedia(id: string, principal: Principal | null): Promise<PublicResolution> {
    const media = await this.deps.media.findById(id);
    if (media === undefined) {
      const tombstone = await this.deps.purgeRecords.findTombstone(id);
      if (tombstone === undefined || !accessPolicy.canReadMedia(principal, { visibility: tombstone.visibility, trashed_at: null })) {
        return { kind: 'not-found' };
      }
      return { kind: 'gone', wasImage: tombstone.was_image === 1 };
    }
    if (media.trashed_at !== null) {
      if (!accessPolicy.canReadMedia(principal, { ...media, trashed_at: null })) return { kind: 'not-found' };
      return { kind: 'gone', wasImage: media.mime.startsWith('image/') };
    }
    if (!accessPolicy.canReadMedia(principal, media)) return { kind: 'not-found' };
    if (principal === null) this.deps.fetches.record(media.id);
    return { kind: 'available', media };
  }

  /** Anonymous fetches of a media over the last RECENT_FETCH_DAYS days. */
  async countRecentFetches(id: string, principal: Principal): Promise<number> {
    this.requireRight(principal, 'edit media');
    return this.deps.fetches.countRecent(id);
  }

  async listMedia(request: MediaListRequest, principal: Principal): Promise<MediaPage> {
    this.requireRight(principal, 'edit media');
    const limit = request.limit;
    const sort = request.sort ?? 'newest';
    const rows = await this.deps.media.list({
      trashed: request.trashed,
      nameContains: request.search === undefined ? undefined : foldForSearch(request.search.normalize('NFC').trim()),
      folder: request.folder === undefined ? undefined : cleanFolder(request.folder),
      kind: request.type,
      sort,
      limit: limit + 1,
      after: request.cursor === undefined ? undefined : decodeCursor(request.cursor),
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const nextCursor = rows.length > limit && last !== undefined ? encodeCursor({ value: sortValue(last, sort), id: last.id }) : null;
    return { items, nextCursor };
  }

  /** Renames, changes the alt text or the visibility; the URL stays the same. */
  async updateMedia(id: string, changes: MediaChanges, principal: Principal, confirmation: Confirmation = { confirmed: false }): Promise<MediaRow> {
    this.requireRight(principal, 'edit media');
    const media = await this.requireMedia(id);
    if (changes.visibility === 'private' && media.visibility === 'public') {
      await this.requireConfirmationIfFetched(media, 'making it private', confirmation);
    }
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
    if (changes.publishOriginal !== undefined) update.publish_original = changes.publishOriginal ? 1 : 0;
    if (changes.folder !== undefined) update.folder = cleanFolder(changes.folder);
    const updated = await this.deps.media.update(id, update);
    await this.deps.changes?.mediaChanged(id);
    this.deps.logger.info({ mediaId: id, userId: principal.userId, changed: Object.keys(changes) }, 'media updated');
    return updated ?? media;
  }

  /** Moves a media to the trash: its URL returns 410 until it is restored. */
  async trashMedia(id: string, principal: Principal, confirmation: Confirmation = { confirmed: false }): Promise<MediaRow> {
    this.requireRight(principal, 'edit media');
    const media = await this.requireMedia(id);
    if (media.trashed_at !== null) return media;
    await this.requireConfirmationIfFetched(media, 'deleting it', confirmation);
    const now = this.deps.clock.now().toISOString();
    const updated = await this.deps.media.update(id, { trashed_at: now, updated_at: now });
    await this.deps.changes?.mediaChanged(id);
    this.deps.logger.info({ mediaId: id, userId: principal.userId }, 'media moved to the trash');
    return updated ?? media;
  }

  async restoreMedia(id: string, principal: Principal): Promise<MediaRow> {
    this.requireRight(principal, 'edit media');
    const media = await this.requireMedia(id);
    if (media.trashed_at === null) throw new VitrailError('VITRAIL_MEDIA_NOT_TRASHED', { id });
    const updated = await this.deps.media.update(id, { trashed_at: null, updated_at: this.deps.clock.now().toISOString() });
    await this.deps.changes?.mediaChanged(id);
    this.deps.logger.info({ mediaId: id, userId: principal.userId }, 'media restored from the trash');
    return updated ?? media;
  }

  /**
   * Purges a media at once, from the trash or not: every version and derived blob goes, and its URL answers
   * 410 from then on. Admins only, for a withdrawn consent or a file published by mistake.
   */
  async purgeMedia(id: string, principal: Principal, confirmation: Confirmation = { confirmed: false }): Promise<PurgeResult> {
    this.requireRight(principal, 'purge media');
    const media = await this.requireMedia(id);
    if (media.trashed_at === null) await this.requireConfirmationIfFetched(media, 'deleting it', confirmation);
    await this.deps.fetches.flush();
    const result = await this.deps.purge.purge(media, this.deps.clock.now());
    await this.deps.changes?.mediaChanged(id);
    this.deps.logger.info({ mediaId: id, userId: principal.userId }, 'media purged by an admin');
    return result;
  }

  /**
   * Purges every media that has been in the trash for the retention time or longer at `now`; meant for the
   * scheduled maintenance. A failure on one media is logged and the others go on.
   */
  async purgeExpiredTrash(now: Date): Promise<PurgeResult[]> {
    const cutoff = new Date(now.getTime() - this.deps.trashRetentionDays * 24 * 3600 * 1000);
    await this.deps.fetches.flush();
    const results: PurgeResult[] = [];
    for (const id of await this.deps.purge.listExpired(cutoff)) {
      const media = await this.deps.media.findById(id);
      if (media === undefined || media.trashed_at === null) continue;
      try {
        results.push(await this.deps.purge.purge(media, now));
        await this.deps.changes?.mediaChanged(id);
      } catch (error) {
        this.deps.logger.error({ err: error, mediaId: id }, 'failed to purge a media from the trash');
      }
    }
    if (results.length > 0) this.deps.logger.info({ purged: results.length, retentionDays: this.deps.trashRetentionDays }, 'purged expired media from the trash');
    return results;
  }

  private async requireConfirmationIfFetched(media: MediaRow, change: string, confirmation: Confirmation): Promise<void> {
    if (confirmation.confirmed || media.visibility !== 'public') return;
    const count = await this.deps.fetches.countRecent(media.id);
    if (count > 0) {
      const fetches = count === 1 ? 'once' : `${count} times`;
      throw new VitrailError('VITRAIL_MEDIA_RECENTLY_FETCHED', { id: media.id, fetches, days: RECENT_FETCH_DAYS, change });
    }
  }

  /** Fails with VITRAIL_FORBIDDEN unless the principal may upload, before any byte is received. */
  assertMayUpload(principal: Principal): void {
    this.requireRight(principal, 'upload media');
  }

  /** Finds a media of the library, not in the trash, with exactly these bytes. */
  async findDuplicate(sha256: string, principal: Principal): Promise<MediaRow | null> {
    this.requireRight(principal, 'upload media');
    return (await this.deps.media.findLiveBySha256(sha256)) ?? null;
  }

  /** Lists the folder names in use in the library, with how many media each holds. */
  async listFolders(principal: Principal): Promise<FolderCount[]> {
    this.requireRight(principal, 'edit media');
    return this.deps.media.countByFolder();
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

export function cleanAlt(input: string): string {
  const alt = input.normalize('NFC').replace(/[\p{Cc}]/gu, ' ').trim();
  if ([...alt].length > MAX_ALT_LENGTH) {
    throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: `the alt text must have at most ${MAX_ALT_LENGTH} characters` });
  }
  return alt;
}

interface NewMediaMetadata {
  readonly visibility: Visibility;
  readonly alt: string;
  /** Folder label; none when left out. */
  readonly folder?: string;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Builds the row of a new media whose content passed checkUpload, with its image rendition if it has one. */
export function newMediaRow(checked: CheckedUpload, metadata: NewMediaMetadata, image: ImageRecord | null = null): MediaRow {
  return {
    id: createMediaId(),
    name: checked.name,
    name_folded: foldForSearch(checked.name),
    mime: checked.mime,
    size: checked.size,
    sha256: checked.sha256,
    width: image?.width ?? checked.width,
    height: image?.height ?? checked.height,
    visibility: metadata.visibility,
    alt: metadata.alt,
    created_by: metadata.createdBy,
    created_at: metadata.createdAt,
    updated_at: metadata.updatedAt,
    trashed_at: null,
    version: 1,
    content_changed_at: null,
    ...imageColumns(image),
    publish_original: 0,
    folder: metadata.folder ?? '',
  };
}

function replaceExtension(name: string, extension: string): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return cleanFileName(`${stem}.${extension}`, extension);
}

/** Cleans a folder name: '' means no folder; slashes are allowed and mean nothing to the server. */
export function cleanFolder(input: string): string {
  const folder = input.normalize('NFC').replace(/[\p{Cc}]/gu, ' ').replace(/\s+/g, ' ').trim();
  if ([...folder].length > MAX_FOLDER_LENGTH) {
    throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: `the folder name must have at most ${MAX_FOLDER_LENGTH} characters` });
  }
  return folder;
}

function sortValue(row: MediaRow, sort: MediaSort): string | number {
  switch (sort) {
    case 'newest':
    case 'oldest':
      return row.created_at;
    case 'name':
      return row.name_folded;
    case 'largest':
      return Number(row.size);
  }
}

function encodeCursor(cursor: MediaCursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString('base64url');
}

function decodeCursor(raw: string): MediaCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && ['string', 'number'].includes(typeof parsed[0]) && typeof parsed[1] === 'string') {
      return { value: parsed[0] as string | number, id: parsed[1] as string };
    }
  } catch {
    // Falls through to the validation error below.
  }
  throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: `the cursor "${raw}" is not one this server returned as nextCursor` });
}
