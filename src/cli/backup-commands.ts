import path from 'node:path';

import { Command } from 'commander';

import { loadConfiguredSettings } from '../config/settings-file.js';
import { createBackup } from '../ops/backup.js';
import { restoreBackup } from '../ops/restore.js';
import { LocalBlobStore } from '../storage/local-blob-store.js';
import { systemClock } from '../time/clock.js';
import { withVitrail } from './command-context.js';
import { formatCount } from './counts.js';
import { formatMebibytes, throttledProgress } from './progress-line.js';

/** `vitrail backup <file>`: one archive with a database snapshot and the blobs it references. */
export function backupCommand(): Command {
  return new Command('backup')
    .description('write a backup archive of the data directory; safe while the server runs')
    .argument('<file>', 'archive to write (a tar file); it must not exist yet')
    .option('--since <earlier-backup>', 'incremental: leave out blobs that this earlier backup already holds')
    .action(async (file: string, options: { since?: string }) => {
      await withVitrail(async (vitrail) => {
        let bytesTotal = 0;
        let bytesDone = 0;
        const report = throttledProgress(
          (done, total) => `backup: ${done} of ${formatCount(total, 'blob')}, ${formatMebibytes(bytesDone)} of ${formatMebibytes(bytesTotal)}`,
        );
        const result = await createBackup({
          dataDir: vitrail.settings.dataDir,
          blobs: vitrail.blobs,
          file: path.resolve(file),
          since: options.since === undefined ? undefined : path.resolve(options.since),
          clock: systemClock,
          onProgress: (progress) => {
            bytesTotal = progress.bytesTotal;
            bytesDone = progress.bytesDone;
            report(progress.blobsDone, progress.blobsTotal);
          },
        });
        const kind = result.manifest.base === null ? 'full' : `incremental to ${result.manifest.base.id}`;
        process.stderr.write(
          `Backup ${result.manifest.id} (${kind}) written to ${file}: database, ${result.blobsWritten} of ` +
            `${formatCount(result.manifest.blobs.length, 'blob')}, ${formatMebibytes(result.bytesWritten)} of blobs.\n`,
        );
      });
    });
}

/** `vitrail restore <file>`: fills an empty data directory from a backup. */
export function restoreCommand(): Command {
  return new Command('restore')
    .description('restore a backup into an empty data directory, verifying every checksum; stop the server first')
    .argument('<file>', 'backup archive written by "vitrail backup"')
    .option('--base <earlier-backup...>', 'earlier backups an incremental backup builds on')
    .option('--data-dir <dir>', 'directory to fill (default: VITRAIL_DATA_DIR)')
    .option('--force', 'replace the database and blobs of a data directory that is not empty, once the backup is verified')
    .action(async (file: string, options: { base?: string[]; dataDir?: string; force?: boolean }) => {
      const settings = loadConfiguredSettings().settings;
      const dataDir = path.resolve(options.dataDir ?? settings.dataDir);
      const report = throttledProgress((done, total) => `restore: ${done} of ${formatCount(total, 'blob')}`);
      const result = await restoreBackup({
        file: path.resolve(file),
        bases: (options.base ?? []).map((base) => path.resolve(base)),
        dataDir,
        blobs: new LocalBlobStore(path.join(dataDir, 'blobs')),
        force: options.force ?? false,
        onProgress: (progress) => report(progress.blobsDone, progress.blobsTotal),
      });
      process.stderr.write(
        `Restored backup ${result.manifest.id} of ${result.manifest.createdAt} into ${dataDir}: database and ` +
          `${formatCount(result.blobsRestored, 'blob')}, all checksums verified.\n`,
      );
    });
}
