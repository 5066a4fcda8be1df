import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import type { Logger } from 'pino';

import { AccountAdministration } from './auth/account-administration.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { SessionService } from './auth/session-service.js';
import { TokenService } from './auth/token-service.js';
import { UserService } from './auth/user-service.js';
import type { Settings } from './config/settings.js';
import { migrateToLatest, openSqliteDatabase, type Database } from './db/database.js';
import { DrupalImportRepository } from './db/repositories/drupal-import-repository.js';
import { LegacyPathRepository } from './db/repositories/legacy-path-repository.js';
import { FetchCountRepository } from './db/repositories/fetch-count-repository.js';
import { MediaPurgeRepository } from './db/repositories/media-purge-repository.js';
import { MediaRepository } from './db/repositories/media-repository.js';
import { MediaVersionRepository } from './db/repositories/media-version-repository.js';
import { LoginFailureRepository } from './db/repositories/login-failure-repository.js';
import { SessionRepository } from './db/repositories/session-repository.js';
import { TokenRepository } from './db/repositories/token-repository.js';
import { UserRepository } from './db/repositories/user-repository.js';
import { DrupalImporter } from './drupal/drupal-importer.js';
import { LegacyUrlResolver } from './drupal/legacy-urls.js';
import { sharpImageProbe } from './images/image-probe.js';
import { FetchCounter } from './media/fetch-counter.js';
import { MediaPurge } from './media/media-purge.js';
import { BLOB_DIRECTORY, inspectDataDirectory, MissingInstallationError } from './ops/data-directory.js';
import { UploadGarbagePacer } from './ops/garbage-collection.js';
import { backupBeforeMigration } from './ops/pre-migration-backup.js';
import { VitrailMetrics } from './ops/metrics.js';
import { StorageGuard } from './ops/storage-guard.js';
import { BlobClaimRepository } from './db/repositories/blob-claim-repository.js';
import { DerivedBlobRepository } from './db/repositories/derived-blob-repository.js';
import { ImageRenditions } from './images/image-renditions.js';
import { ImageVariants } from './images/image-variants.js';
import { measureRenders } from './images/measured-image-processor.js';
import { SharpImageProcessor } from './images/sharp-image-processor.js';
import { WorkPool } from './images/work-pool.js';
import { MediaService } from './media/media-service.js';
import { PublicImageImporter } from './media/public-image-import.js';
import { PageRepository } from './db/repositories/page-repository.js';
import { PageService } from './pages/page-service.js';
import { PersonalDataAllowlist } from './pages/personal-data.js';
import { MailExternalizer } from './mail/mail-externalizer.js';
import { PublicLinks } from './media/public-links.js';
import { BlobClaims } from './storage/blob-claims.js';
import type { BlobStore } from './storage/blob-store.js';
import { LocalBlobStore } from './storage/local-blob-store.js';
import { HashingThread } from './storage/hashing-thread.js';
import { EARLY_SYNC_INTERVAL_BYTES } from './storage/periodic-data-sync.js';
import { StagingArea } from './storage/staging-area.js';
import { MediaChangeFeed } from './serving/media-change-feed.js';
import { PublicMediaCache } from './serving/public-media-cache.js';
import { PublicMirror } from './serving/public-mirror.js';
import { PublicPath } from './serving/public-path.js';
import { systemClock, type Clock } from './time/clock.js';

/** Media descriptions the public path keeps per process, a few hundred bytes each. */
const PUBLIC_CACHE_MAX_ENTRIES = 100_000;

/** The services of one data directory, shared by the server and the administrative commands. */
export interface Vitrail {
  readonly settings: Settings;
  readonly logger: Logger;
  readonly db: Database;
  readonly blobs: BlobStore;
  /** Turns between storing and deleting blobs, across every process of the data directory. */
  readonly blobClaims: BlobClaims;
  readonly staging: StagingArea;
  /** Hashes large uploads beside the thread that receives them. */
  readonly hashingThread: HashingThread;
  /** Collects the young generation as upload bytes arrive; see UploadGarbagePacer. */
  readonly uploadGarbage: UploadGarbagePacer;
  readonly media: MediaService;
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly links: PublicLinks;
  readonly legacyPaths: LegacyPathRepository;
  readonly legacyUrls: LegacyUrlResolver;
  readonly drupalImporter: DrupalImporter;
  readonly metrics: VitrailMetrics;
  readonly images: PublicImageImporter;
  readonly pages: PageService;
  readonly mailExternalizer: MailExternalizer;
  readonly variants: ImageVariants;
  readonly sessions: SessionService;
  readonly loginThrottle: LoginThrottle;
  readonly accounts: AccountAdministration;
  /** The public path's cache; `invalidate` must hear of every change to a media. */
  readonly publicPath: PublicPath;
  /** The directory nginx serves public media from, when VITRAIL_PUBLIC_MIRROR_DIR is set. */
  readonly publicMirror: PublicMirror | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly clock?: Clock;
  /**
   * Whether a data directory without a database becomes a new installation (the default, as for `vitrail
   * serve`). When false, opening fails with MissingInstallationError and creates nothing.
   */
  readonly createIfMissing?: boolean;
}

/**
 * Opens a data directory: creates its folders, opens the database and applies pending migrations. A
 * directory that has stored blobs but no database is never opened, because a new, empty database would
 * make every stored blob an orphan for `check --repair` to delete.
 */
export async function openVitrail(settings: Settings, logger: Logger, options: OpenOptions = {}): Promise<Vitrail> {
  const clock = options.clock ?? systemClock;
  const state = await inspectDataDirectory(settings.dataDir);
  const mayCreate = (options.createIfMissing ?? true) && (state === 'missing' || state === 'empty');
  if (state !== 'installation' && !mayCreate) throw new MissingInstallationError(settings.dataDir, state);
  if (mayCreate) logger.info({ dataDir: settings.dataDir }, 'creating a new installation: the data directory had no database');
  await mkdir(settings.dataDir, { recursive: true });
  const hashingThread = new HashingThread(logger);
  const uploadGarbage = new UploadGarbagePacer();
  const staging = new StagingArea(path.join(settings.dataDir, 'tmp'), EARLY_SYNC_INTERVAL_BYTES, hashingThread, uploadGarbage);
  await staging.prepare();
  const blobs = new LocalBlobStore(path.join(settings.dataDir, BLOB_DIRECTORY));

  // The database file must still be there when opened, so one deleted meanwhile is not created anew.
  const db = openSqliteDatabase(settings.dataDir, { fileMustExist: state === 'installation' });
  try {
    await backupBeforeMigration(db, settings, logger, clock.now());
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  } catch (error) {
    await db.destroy();
    throw error;
  }

  const storageGuard = new StorageGuard({
    db,
    dataDir: settings.dataDir,
    minFreeDiskBytes: settings.ops.minFreeDiskBytes,
    userQuotaBytes: settings.ops.userQuotaBytes,
    storageQuotaBytes: settings.ops.storageQuotaBytes,
  });
  const cache = new PublicMediaCache({ memoryBytes: settings.memoryCacheBytes, maxEntries: PUBLIC_CACHE_MAX_ENTRIES });
  const metrics = new VitrailMetrics({ usedBytes: () => storageGuard.usedBytes(null), freeBytes: () => storageGuard.freeBytes() }, cache);
  const feed = new MediaChangeFeed(settings.dataDir, cache);

  const mediaRepository = new MediaRepository(db);
  const publicMirror =
    settings.publicMirrorDir === null
      ? null
      : new PublicMirror({
          root: settings.publicMirrorDir,
          blobPath: (sha256) => blobs.pathOf(sha256),
          findMedia: (mediaId) => mediaRepository.findById(mediaId),
          listPublicMedia: () => mediaRepository.iteratePublic(),
          logger,
        });

  const users = new UserService({ users: new UserRepository(db), clock });
  const tokens = new TokenService({ tokens: new TokenRepository(db), users, clock });
  const fetches = new FetchCounter(new FetchCountRepository(db), clock, logger);
  const publicPath = new PublicPath({ cache, feed, blobs, fetches, metrics: metrics.publicPathTally, logger });
  const purgeRecords = new MediaPurgeRepository(db);
  const blobClaims = new BlobClaims({ repository: new BlobClaimRepository(db), clock, logger });
  const derivedBlobs = new DerivedBlobRepository(db);
  const imageProcessor = new SharpImageProcessor({
    maxPixels: settings.maxImagePixels,
    pool: new WorkPool(settings.imageConcurrency),
  });
  const renditions = new ImageRenditions({
    processor: measureRenders(imageProcessor, metrics.imageProcessingSeconds, 'rendition'),
    blobs,
    staging,
    logger,
    maxWidth: settings.renditionMaxWidth,
  });
  const variants = new ImageVariants({
    processor: measureRenders(imageProcessor, metrics.imageProcessingSeconds, 'variant'),
    counts: { hits: metrics.variantCacheHits, misses: metrics.variantCacheMisses },
    derivedBlobs,
    blobs,
    claims: blobClaims,
    staging,
    clock,
    logger,
    variantsPerMedia: settings.variantsPerMedia,
  });
  const media = new MediaService({
    media: mediaRepository,
    blobs,
    claims: blobClaims,
    staging,
    images: sharpImageProbe,
    renditions,
    derivedBlobs,
    clock,
    logger,
    maxUploadBytes: settings.maxUploadBytes,
    allowedTypes: settings.allowedTypes,
    versions: new MediaVersionRepository(db),
    purgeRecords,
    purge: new MediaPurge(purgeRecords, blobs, blobClaims, logger),
    fetches,
    trashRetentionDays: settings.trashRetentionDays,
    uploadGuard: storageGuard,
    uploadMetrics: metrics,
    changes: {
      mediaChanged: async (mediaId) => {
        publicPath.invalidate(mediaId);
        await publicMirror?.sync(mediaId);
      },
    },
  });

  const legacyPaths = new LegacyPathRepository(db);
  const drupalImporter = new DrupalImporter({
    media,
    records: new DrupalImportRepository(db),
    blobs,
    staging,
    users: () => users.listUsers(),
    clock,
    logger,
    maxUploadBytes: settings.maxUploadBytes,
  });
  const links = new PublicLinks(settings.publicUrl);
  const images = new PublicImageImporter(media);
  const pages = new PageService({
    pages: new PageRepository(db),
    images,
    links,
    clock,
    logger,
    zipLimits: {
      maxEntries: settings.zipMaxEntries,
      maxUnpackedBytes: settings.zipMaxUnpackedBytes,
      maxCompressionRatio: settings.zipMaxCompressionRatio,
    },
    allowlist: new PersonalDataAllowlist(settings.pageAllowlist),
  });

  const loginThrottle = new LoginThrottle({ failures: new LoginFailureRepository(db), clock });
  const sessions = new SessionService({ sessions: new SessionRepository(db), users, throttle: loginThrottle, clock, logger });
  const accounts = new AccountAdministration({ users, tokens, sessions, logger });

  return {
    settings,
    logger,
    db,
    blobs,
    blobClaims,
    staging,
    media,
    users,
    tokens,
    links,
    images,
    pages,
    mailExternalizer: new MailExternalizer({ images, links, logger }),
    legacyPaths,
    legacyUrls: new LegacyUrlResolver(legacyPaths),
    drupalImporter,
    metrics,
    variants,
    sessions,
    loginThrottle,
    accounts,
    publicPath,
    publicMirror,
    hashingThread,
    uploadGarbage,
    close: async () => {
      // The public path gives its last fetches to the counter before the counter's last write.
      publicPath.close();
      await fetches.flush();
      feed.close();
      await hashingThread.close();
      await db.destroy();
    },
  };
}
