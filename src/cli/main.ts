import cluster from 'node:cluster';

import { Command, CommanderError } from 'commander';

import { SettingsError } from '../config/settings.js';
import { VitrailError } from '../errors/catalogue.js';
import { importCommands } from './import-commands.js';
import { PromptInterruptedError } from './password-prompt.js';
import { MissingInstallationError } from '../ops/data-directory.js';
import { OperationError } from '../ops/operation-error.js';
import { backupCommand, restoreCommand } from './backup-commands.js';
import { checkCommand } from './check-command.js';
import { configCommand } from './config-command.js';
import { tlsCommands } from './tls-commands.js';
import { externalizeCommand } from './externalize-command.js';
import { serveCommand } from './serve-command.js';
import { tokenCommands } from './token-commands.js';
import { userCommands } from './user-commands.js';

/** Exit status of a command that failed on bad settings or input, as opposed to an unexpected failure. */
const EXIT_USAGE = 2;
/** Exit status after Ctrl+C, the 128 + SIGINT (2) that shells report for an interrupted program. */
const EXIT_INTERRUPTED = 130;

const program = new Command('vitrail')
  .description('Vitrail, a media server for e-mail campaigns')
  .showHelpAfterError()
  .exitOverride()
  .addCommand(serveCommand())
  .addCommand(userCommands())
  .addCommand(tokenCommands())
  .addCommand(importCommands())
  .addCommand(backupCommand())
  .addCommand(restoreCommand())
  .addCommand(checkCommand())
  .addCommand(configCommand())
  .addCommand(tlsCommands())
  .addCommand(externalizeCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFailure(error);
  // A worker's channel to the primary process would keep it running, and the primary acts on its exit.
  if (cluster.isWorker) process.exit();
}

function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  // Ctrl+C is the user's own request to stop, so no message is printed.
  if (error instanceof PromptInterruptedError) return EXIT_INTERRUPTED;
  if (error instanceof SettingsError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  // Most often a mistyped VITRAIL_DATA_DIR, so it gets the status of an invalid setting.
  if (error instanceof MissingInstallationError) {
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof VitrailError || error instanceof OperationError) {
    process.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
