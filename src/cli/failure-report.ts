import { inspect } from 'node:util';

import { CommanderError } from 'commander';

import { SettingsError } from '../config/settings.js';
import { VitrailError } from '../errors/catalogue.js';
import { MissingInstallationError } from '../ops/data-directory.js';
import { OperationError } from '../ops/operation-error.js';
import { InputError, toSentence } from './input-error.js';
import { PromptInterruptedError } from './password-prompt.js';

/** Exit status of a command that failed on bad settings or input, as opposed to an unexpected failure. */
const EXIT_USAGE = 2;
/** Exit status after Ctrl+C, the 128 + SIGINT (2) that shells report for an interrupted program. */
const EXIT_INTERRUPTED = 130;
const EXIT_FAILURE = 1;

/** Advice for common errors of system calls, by their code. */
const SYSTEM_CALL_HINTS: Readonly<Record<string, string>> = {
  EACCES: 'Run the command as the user that owns the data directory, or fix the permissions of that path.',
  EPERM: 'Run the command as the user that owns the data directory, or fix the permissions of that path.',
  ENOSPC: 'The disk is full: free some space, then run the command again.',
  EDQUOT: 'The disk quota of this user is used up: free some space, then run the command again.',
  EROFS: 'The file system is mounted read-only: choose a path on a writable one.',
};

/** Advice for SQLite errors, by the start of their code (extended codes such as SQLITE_IOERR_WRITE included). */
const SQLITE_HINTS: readonly (readonly [string, string])[] = [
  ['SQLITE_BUSY', 'Another process held the database locked for more than 5 seconds: run the command again.'],
  ['SQLITE_LOCKED', 'Another process held the database locked for more than 5 seconds: run the command again.'],
  ['SQLITE_CORRUPT', 'The database file is damaged: restore it from a backup with "vitrail restore <file> --force".'],
  ['SQLITE_NOTADB', 'The file vitrail.db is not a SQLite database: check the data directory, or restore the database from a backup.'],
  ['SQLITE_READONLY', 'The database cannot be written: run the command as the user that owns the data directory.'],
  ['SQLITE_CANTOPEN', 'The database cannot be opened: check that the data directory and vitrail.db belong to the user running the command.'],
  ['SQLITE_PERM', 'The database cannot be opened: check that the data directory and vitrail.db belong to the user running the command.'],
  ['SQLITE_FULL', 'The disk is full: free some space, then run the command again.'],
  ['SQLITE_IOERR', 'The disk failed to read or write the database: check the system log for disk errors.'],
];

/**
 * Prints why a command failed on standard error and returns its exit status. Expected failures (invalid
 * input or settings, a missing file, a full disk, a locked database) print one message without a stack
 * trace. Anything else is likely a bug, so it prints the stack trace, causes included.
 */
export function reportFailure(error: unknown): number {
  // Commander has already printed its own message.
  if (error instanceof CommanderError) return error.exitCode;
  // Ctrl+C is the user's own request to stop, so no message is printed.
  if (error instanceof PromptInterruptedError) return EXIT_INTERRUPTED;
  if (error instanceof SettingsError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  // Most often a mistyped VITRAIL_DATA_DIR, so it gets the status of an invalid setting.
  if (error instanceof MissingInstallationError) return printError(error.message, EXIT_USAGE);
  if (error instanceof VitrailError) return printError(describeVitrailError(error), EXIT_FAILURE);
  if (error instanceof OperationError || error instanceof InputError) return printError(error.message, EXIT_FAILURE);

  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string') {
    if (isSystemCallError(error, code)) return printError(withHint(error.message, SYSTEM_CALL_HINTS[code]), EXIT_FAILURE);
    if (code.startsWith('SQLITE_')) {
      const hint = SQLITE_HINTS.find(([prefix]) => code.startsWith(prefix))?.[1];
      return printError(withHint(`The database failed: ${error.message} (${code}).`, hint), EXIT_FAILURE);
    }
  }

  process.stderr.write(
    `error: ${inspect(error, { depth: 4 })}\n` +
      'This failure was not expected, so it may be a bug in Vitrail: the lines above show where it happened.\n',
  );
  return EXIT_FAILURE;
}

/**
 * Formats an API error's message for the terminal. A failed validation reads "The request is invalid: …" in the
 * HTTP API, but at the terminal there is no request, so only the reason is printed.
 */
function describeVitrailError(error: VitrailError): string {
  const reason = error.parameters.reason;
  if (error.code === 'VITRAIL_VALIDATION_FAILED' && typeof reason === 'string' && reason !== '') {
    return toSentence(reason);
  }
  return error.message;
}

/** Node's errors from system calls, such as "ENOENT: no such file or directory, open '/x'", name the call and the path. */
function isSystemCallError(error: Error, code: string): boolean {
  return /^E[A-Z0-9]+$/.test(code) && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

function withHint(message: string, hint: string | undefined): string {
  return hint === undefined ? message : `${message}\n${hint}`;
}

function printError(message: string, exitCode: number): number {
  process.stderr.write(`error: ${message}\n`);
  return exitCode;
}
