import { Command } from 'commander';

import { checkIntegrity } from '../ops/integrity-check.js';
import { systemClock } from '../time/clock.js';
import { formatCheckReport } from './check-report.js';
import { withVitrail } from './command-context.js';
import { formatCount } from './counts.js';
import { throttledProgress } from './progress-line.js';

/** Exit status when damage, a leftover or a stray entry remains, so scripts and monitoring can tell. */
const EXIT_DAMAGE = 1;

/** `vitrail check [--repair]`: verifies the database and every blob; exits 1 when something is wrong. */
export function checkCommand(): Command {
  return new Command('check')
    .description('verify the database and every blob (size and SHA-256), and find leftover and stray files; exits 1 when something needs attention')
    .option('--repair', 'delete unreferenced blobs and staging leftovers older than VITRAIL_CLEANUP_GRACE')
    .action(async (options: { repair?: boolean }) => {
      await withVitrail(async (vitrail) => {
        const report = throttledProgress((done, total) => `check: ${done} of ${formatCount(total, 'referenced blob')} verified`);
        const result = await checkIntegrity({
          db: vitrail.db,
          blobs: vitrail.blobs,
          claims: vitrail.blobClaims,
          stagingDir: vitrail.staging.directory,
          clock: systemClock,
          graceMs: vitrail.settings.ops.cleanupGraceMs,
          repair: options.repair ?? false,
          onProgress: report,
        });
        process.stdout.write(formatCheckReport(result));
        if (!result.healthy) process.exitCode = EXIT_DAMAGE;
      });
    });
}
