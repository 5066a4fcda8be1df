import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

import type { Logger } from 'pino';

import { normaliseEmail } from '../auth/user-service.js';
import type { DrupalImportRepository } from '../db/repositories/drupal-import-repository.js';
import type { MediaDerivedBlobRow, UserRow, Visibility } from '../db/schema.js';
import { VitrailError } from '../errors/catalogue.js';
import { derivedBlobRows, type ImageRecord } from '../images/image-renditions.js';
import { cleanAlt, newMediaRow, type MediaService } from '../media/media-service.js';
import type { BlobClaimSet } from '../storage/blob-claims.js';
import type { BlobStore } from '../storage/blob-store.js';
import { StagedFileTooLargeError, type StagedFile, type StagingArea } from '../storage/staging-area.js';
import type { Clock } from '../time/clock.js';
import { readDrupalSite, type DrupalFile, type DrupalSite } from './drupal-database.js';
import {
  DRUPAL_PRIVATE_PREFIX,
  isForbiddenFileName,
  locateFile,
  parseDrupalUri,
  splitRelativePath,
  storedLegacyPath,
  type DrupalScheme,
} from './drupal-paths.js';

export interface DrupalImportOptions {
  /** The public files directory (Drupal's `sites/default/files`). */
  readonly filesDir: string;
  /** The Drupal SQLite database; `<filesDir>/.ht.sqlite` when not given. */
  readonly databasePath?: string;
  /** The private files directory; private:// rows are skipped without it. */
  readonly privateDir?: string;
  /** URL path prefix under which Drupal served public files, such as /sites/default/files. */
  readonly publicPrefix: string;
  /** Called after each row, for progress display. */
  readonly onProgress?: (done: number, total: number, outcome: RowOutcome) => void;
}

export type RowStatus =
  | 'imported'
  | 'already-imported'
  | 'skipped-temporary'
  | 'skipped-scheme'
  | 'skipped-no-private-dir'
  | 'skipped-forbidden-name'
  | 'invalid-uri'
  | 'missing'
  | 'rejected';

/** The outcome of one file_managed row, as the JSON report lists it. */
export interface RowOutcome {
  readonly fid: number;
  readonly uuid: string | null;
  readonly uri: string;
  readonly status: RowStatus;
  readonly mediaId?: string;
  /** Reason a row was not imported, or a remark on an imported one. */
  readonly detail?: string;
  /** Image style derivatives imported with the file, by style name. */
  readonly derivatives?: readonly string[];
  /** Set when the Drupal owner had no Vitrail account with the same e-mail address. */
  readonly drupalOwner?: string;
}

export interface DrupalImportReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly database: string;
  readonly filesDir: string;
  readonly privateDir: string | null;
  readonly publicPrefix: string;
  readonly summary: Readonly<Partial<Record<RowStatus, number>>>;
  readonly rows: readonly RowOutcome[];
}

export interface DrupalImporterDependencies {
  readonly media: MediaService;
  readonly records: DrupalImportRepository;
  readonly blobs: BlobStore;
  readonly staging: StagingArea;
  readonly users: () => Promise<UserRow[]>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxUploadBytes: number;
}

/** A staged file that passed the upload checks and is ready to be stored. */
interface CheckedFile {
  readonly staged: StagedFile;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
  /** Rendition and thumbnail of an image, made as for an upload; null for other files. */
  readonly image: ImageRecord | null;
}

/** Directory of Drupal's image style derivatives, inside the public files directory. */
const STYLES_DIRECTORY = 'styles';
/** Extension that Drupal 10.3 and later append to a derivative converted to WebP. */
const WEBP_SUFFIX = '.webp';

/**
 * Imports the files of a Drupal site as media. Each file_managed row is examined in fid order and gets
 * exactly one outcome. The Drupal uuid is recorded with each media, so a second run imports nothing twice,
 * including files purged since. The Drupal database and files are only read.
 */
export class DrupalImporter {
  constructor(private readonly deps: DrupalImporterDependencies) {}

  async run(options: DrupalImportOptions): Promise<DrupalImportReport> {
    const startedAt = this.deps.clock.now().toISOString();
    const databasePath = options.databasePath ?? path.join(options.filesDir, '.ht.sqlite');
    const site = readDrupalSite(databasePath);
    const owners = await this.ownersByEmail();
    const styles = await listStyles(options.filesDir);
    this.deps.logger.info({ database: databasePath, files: site.files.length, styles: styles.length }, 'Drupal import started');

    const rows: RowOutcome[] = [];
    for (const file of site.files) {
      const outcome = await this.importRow(file, site, owners, styles, options);
      rows.push(outcome);
      options.onProgress?.(rows.length, site.files.length, outcome);
    }

    const summary: Partial<Record<RowStatus, number>> = {};
    for (const row of rows) summary[row.status] = (summary[row.status] ?? 0) + 1;
    this.deps.logger.info({ summary }, 'Drupal import finished');
    return {
      startedAt,
      finishedAt: this.deps.clock.now().toISOString(),
      database: databasePath,
      filesDir: options.filesDir,
      privateDir: options.privateDir ?? null,
      publicPrefix: options.publicPrefix,
      summary,
      rows,
    };
  }

  private async importRow(
    file: DrupalFile,
    site: DrupalSite,
    owners: ReadonlyMap<string, string>,
    styles: readonly string[],
    options: DrupalImportOptions,
  ): Promise<RowOutcome> {
    const base = { fid: file.fid, uuid: file.uuid, uri: file.uri };
    if (file.status !== 1) return { ...base, status: 'skipped-temporary' };

    const uri = parseDrupalUri(file.uri);
    if (uri === null) return { ...base, status: 'invalid-uri', detail: 'the uri has no scheme://' };
    if (uri.scheme !== 'public' && uri.scheme !== 'private') {
      return { ...base, status: 'skipped-scheme', detail: `the scheme ${uri.scheme}:// is not imported` };
    }
    const scheme: DrupalScheme = uri.scheme;
    const segments = splitRelativePath(uri.path);
    if (segments === null) return { ...base, status: 'invalid-uri', detail: 'the path is empty or has ".", ".." or empty segments' };
    if (isForbiddenFileName(uri.path)) return { ...base, status: 'skipped-forbidden-name' };

    const importKey = file.uuid ?? `fid:${file.fid}`;
    const existing = await this.deps.records.findImported(importKey);
    if (existing !== undefined) return { ...base, status: 'already-imported', mediaId: existing };

    const root = scheme === 'public' ? options.filesDir : options.privateDir;
    if (root === undefined) return { ...base, status: 'skipped-no-private-dir', detail: 'give the private files directory with --private' };
    const filePath = await locateFile(root, segments);
    if (filePath === null) return { ...base, status: 'missing', detail: `no file at ${path.join(root, ...segments)}` };

    const metadata = site.media.get(file.fid);
    const fileName = chooseName(file, metadata?.name ?? null, segments);
    // Every blob stored for this file stays claimed until its rows are recorded, as for an upload.
    const claims = this.deps.media.openBlobClaims();
    try {
      let checked: CheckedFile;
      try {
        checked = await this.stageAndCheck(filePath, fileName, claims);
      } catch (error) {
        if (error instanceof VitrailError) return { ...base, status: 'rejected', detail: error.message };
        throw error;
      }

      try {
        return await this.store(file, scheme, segments, checked, metadata?.alt ?? '', site, owners, styles, options, importKey, claims);
      } finally {
        await this.deps.staging.discard(checked.staged);
      }
    } finally {
      await claims.release();
    }
  }

  private async store(
    file: DrupalFile,
    scheme: DrupalScheme,
    segments: readonly string[],
    checked: CheckedFile,
    altInput: string,
    site: DrupalSite,
    owners: ReadonlyMap<string, string>,
    styles: readonly string[],
    options: DrupalImportOptions,
    importKey: string,
    claims: BlobClaimSet,
  ): Promise<RowOutcome> {
    const base = { fid: file.fid, uuid: file.uuid, uri: file.uri };
    const now = this.deps.clock.now().toISOString();
    const owner = file.uid === null ? undefined : site.users.get(file.uid);
    const ownerEmail = owner?.mail === null || owner?.mail === undefined ? undefined : safeNormaliseEmail(owner.mail);
    const createdBy = ownerEmail === undefined ? undefined : owners.get(ownerEmail);
    let drupalOwner: string | null = null;
    if (createdBy === undefined) drupalOwner = owner?.name ?? (file.uid === null ? null : `uid ${file.uid}`);
    const visibility: Visibility = scheme === 'public' ? 'public' : 'private';
    const alt = cleanAlt((altInput ?? '').slice(0, 1000));

    await claims.claim(checked.staged.sha256);
    await this.deps.blobs.putFile(checked.staged.sha256, checked.staged.path);
    const row = newMediaRow(
      { ...checked, extension: '', sha256: checked.staged.sha256 },
      { visibility, alt, createdBy: createdBy ?? null, createdAt: drupalDate(file) ?? now, updatedAt: now },
      checked.image,
    );

    const styleDerivatives = scheme === 'public' ? await this.importDerivatives(row.id, segments, styles, options.filesDir, now, claims) : [];
    const derived = [...derivedBlobRows(row.id, checked.image, now), ...styleDerivatives];
    const legacyPath = {
      prefix: scheme === 'public' ? options.publicPrefix : DRUPAL_PRIVATE_PREFIX,
      path: storedLegacyPath(segments.join('/')),
    };
    const recorded = await this.deps.records.recordImport(row, derived, { drupalUuid: importKey, fid: file.fid, uri: file.uri, drupalOwner }, legacyPath);
    if (!recorded) return { ...base, status: 'already-imported', detail: 'another import run recorded this file meanwhile' };

    this.deps.logger.info({ mediaId: row.id, fid: file.fid, derivatives: styleDerivatives.length }, 'Drupal file imported');
    return {
      ...base,
      status: 'imported',
      mediaId: row.id,
      ...(styleDerivatives.length > 0 ? { derivatives: styleDerivatives.map((blob) => blob.key) } : {}),
      ...(drupalOwner !== null ? { drupalOwner } : {}),
    };
  }

  /**
   * Stores the image style derivatives that Drupal left on disk for a public file: `styles/<style>/public/
   * <path>` and, from Drupal 10.3 on, `<path>.webp`. The key is the style name, with `.webp` for the latter.
   */
  private async importDerivatives(
    mediaId: string,
    segments: readonly string[],
    styles: readonly string[],
    filesDir: string,
    now: string,
    claims: BlobClaimSet,
  ): Promise<MediaDerivedBlobRow[]> {
    const derived: MediaDerivedBlobRow[] = [];
    for (const style of styles) {
      const last = segments.at(-1) ?? '';
      for (const [key, fileSegments] of [
        [style, segments],
        [`${style}${WEBP_SUFFIX}`, [...segments.slice(0, -1), `${last}${WEBP_SUFFIX}`]],
      ] as const) {
        const filePath = await locateFile(path.join(filesDir, STYLES_DIRECTORY, style, 'public'), fileSegments);
        if (filePath === null) continue;
        let checked: CheckedFile;
        try {
          checked = await this.stageAndCheck(filePath, last, claims);
        } catch (error) {
          if (!(error instanceof VitrailError)) throw error;
          this.deps.logger.warn({ style, file: last, reason: error.message }, 'Drupal style derivative not imported');
          continue;
        }
        try {
          if (!checked.mime.startsWith('image/')) continue;
          await claims.claim(checked.staged.sha256);
          await this.deps.blobs.putFile(checked.staged.sha256, checked.staged.path);
          derived.push({
            media_id: mediaId,
            kind: 'drupal-style',
            key,
            sha256: checked.staged.sha256,
            size: checked.size,
            mime: checked.mime,
            width: checked.width,
            height: checked.height,
            created_at: now,
          });
        } finally {
          await this.deps.staging.discard(checked.staged);
        }
      }
    }
    return derived;
  }

  /**
   * Copies a file into the staging area, hashing it, then runs the checks every upload passes. An image's
   * renditions are stored, joining `claims`.
   */
  private async stageAndCheck(filePath: string, fileName: string, claims: BlobClaimSet): Promise<CheckedFile> {
    let staged: StagedFile;
    try {
      staged = await this.deps.staging.receive(createReadStream(filePath), this.deps.maxUploadBytes);
    } catch (error) {
      if (error instanceof StagedFileTooLargeError) throw this.deps.media.tooLargeError();
      throw error;
    }
    try {
      const checked = await this.deps.media.checkUpload(staged, fileName);
      const image = await this.deps.media.prepareImage(staged, checked, claims);
      return {
        staged,
        name: checked.name,
        mime: checked.mime,
        size: checked.size,
        width: image?.width ?? checked.width,
        height: image?.height ?? checked.height,
        image,
      };
    } catch (error) {
      await this.deps.staging.discard(staged);
      throw error;
    }
  }

  private async ownersByEmail(): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    for (const user of await this.deps.users()) owners.set(user.email, user.id);
    return owners;
  }
}

/** Lists the image style names of a public files directory, from its `styles/<style>/` folders. */
async function listStyles(filesDir: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(filesDir, STYLES_DIRECTORY), { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  } catch {
    return [];
  }
}

/**
 * Chooses the media name: the Drupal media's name when there is one (with the file's extension added when
 * it has none), else file_managed.filename, else the last path segment.
 */
function chooseName(file: DrupalFile, mediaName: string | null, segments: readonly string[]): string {
  const last = segments.at(-1) ?? '';
  const extension = path.extname(last);
  const fileName = file.filename !== null && file.filename.trim() !== '' ? file.filename : last;
  if (mediaName === null || mediaName.trim() === '') return fileName;
  return path.extname(mediaName) === '' ? `${mediaName.trim()}${extension}` : mediaName.trim();
}

/** Converts the creation date of a Drupal file, `created` else `changed` (Unix seconds), to ISO 8601. */
function drupalDate(file: DrupalFile): string | null {
  const seconds = file.created ?? file.changed;
  if (seconds === null || !Number.isFinite(seconds) || seconds <= 0) return null;
  return new Date(seconds * 1000).toISOString();
}

function safeNormaliseEmail(email: string): string | undefined {
  try {
    return normaliseEmail(email);
  } catch {
    return undefined;
  }
}
