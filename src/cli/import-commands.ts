import { randomBytes } from 'node:crypto';
import { rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { Command, InvalidArgumentError } from 'commander';

import { DEFAULT_PUBLIC_PREFIX, DRUPAL_PRIVATE_PREFIX } from '../drupal/drupal-paths.js';
import type { DrupalImportReport, RowOutcome, RowStatus } from '../drupal/drupal-importer.js';
import { VitrailError } from '../errors/catalogue.js';
import { withVitrail } from './command-context.js';
import { printTable } from './table.js';

/** Outcomes printed row by row as they happen; the report has every row. */
const LISTED_STATUSES: ReadonlySet<RowStatus> = new Set(['missing', 'rejected', 'invalid-uri', 'skipped-temporary']);
/** Rows between two progress lines. */
const PROGRESS_EVERY_ROWS = 100;

interface DrupalCommandOptions {
  readonly files: string;
  readonly db?: string;
  readonly private?: string;
  readonly publicPrefix: string;
  readonly report?: string;
}

/** `vitrail import …`: bring media in from another system. */
export function importCommands(): Command {
  const importCommand = new Command('import').description('import media from another system');

  importCommand
    .command('drupal')
    .description('import the files of a Drupal site on SQLite; its old URLs keep answering. Safe to run again, and while the server runs')
    .requiredOption('--files <dir>', "Drupal's public files directory, such as web/sites/default/files")
    .option('--db <file>', 'Drupal SQLite database, read-only (default: <files>/.ht.sqlite)')
    .option('--private <dir>', "Drupal's private files directory; without it, private:// files are skipped")
    .option('--public-prefix <path>', 'URL path under which Drupal served public files', parsePrefix, DEFAULT_PUBLIC_PREFIX)
    .option('--report <file>', 'write the outcome of every file_managed row to this JSON file')
    .action(async (options: DrupalCommandOptions) => {
      const filesDir = path.resolve(options.files);
      await requireDirectory(filesDir, '--files');
      const privateDir = options.private === undefined ? undefined : path.resolve(options.private);
      if (privateDir !== undefined) await requireDirectory(privateDir, '--private');
      const databasePath = path.resolve(options.db ?? path.join(filesDir, '.ht.sqlite'));
      await requireFile(databasePath, options.db === undefined ? 'the default database <files>/.ht.sqlite' : '--db');

      // A migration from Drupal may fill a new installation before the server first starts.
      await withVitrail(async (vitrail) => {
        const report = await vitrail.drupalImporter.run({
          filesDir,
          databasePath,
          privateDir,
          publicPrefix: options.publicPrefix,
          onProgress: showProgress,
        });
        printSummary(report);
        if (options.report !== undefined) {
          await writeReport(path.resolve(options.report), report);
          process.stderr.write(`Report of every row written to ${options.report}.\n`);
        }
      }, { createIfMissing: true });
    });

  return importCommand;
}

function parsePrefix(raw: string): string {
  const prefix = raw.trim().replace(/\/+$/, '');
  if (!/^\/[A-Za-z0-9._~\-/]+$/.test(prefix) || prefix.split('/').some((segment, index) => index > 0 && (segment === '' || segment === '.' || segment === '..'))) {
    throw new InvalidArgumentError('expected a URL path such as /sites/default/files: a leading slash and plain ASCII segments.');
  }
  if (prefix === DRUPAL_PRIVATE_PREFIX || prefix === '/m' || prefix.startsWith('/m/') || prefix === '/api' || prefix.startsWith('/api/')) {
    throw new InvalidArgumentError(`${prefix} is a path Vitrail uses for something else.`);
  }
  return prefix;
}

async function requireDirectory(directory: string, option: string): Promise<void> {
  const info = await stat(directory).catch(() => null);
  if (info === null || !info.isDirectory()) {
    throw new VitrailError('VITRAIL_IMPORT_SOURCE_INVALID', { reason: `${option} ${directory} is not a directory` });
  }
}

async function requireFile(file: string, option: string): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (info === null || !info.isFile()) {
    throw new VitrailError('VITRAIL_IMPORT_SOURCE_INVALID', { reason: `${option} ${file} is not a file` });
  }
}

function showProgress(done: number, total: number, outcome: RowOutcome): void {
  if (LISTED_STATUSES.has(outcome.status)) {
    process.stderr.write(`fid ${outcome.fid}: ${outcome.status} ${outcome.uri}${outcome.detail === undefined ? '' : ` (${outcome.detail})`}\n`);
  }
  if (done % PROGRESS_EVERY_ROWS === 0 || done === total) process.stderr.write(`${done}/${total} rows examined\n`);
}

function printSummary(report: DrupalImportReport): void {
  printTable(
    ['OUTCOME', 'ROWS'],
    Object.entries(report.summary).map(([status, count]) => [status, String(count)]),
  );
}

/** Writes the report next to its final name, then renames it, so a reader never sees half a report. */
async function writeReport(file: string, report: DrupalImportReport): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(report, null, 2)}\n`, { flag: 'wx' });
  await rename(temporary, file);
}
