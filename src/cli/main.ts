import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';

import { Command } from 'commander';

import { importCommands } from './import-commands.js';
import { reportFailure } from './failure-report.js';
import { backupCommand, restoreCommand } from './backup-commands.js';
import { checkCommand } from './check-command.js';
import { configCommand } from './config-command.js';
import { tlsCommands } from './tls-commands.js';
import { externalizeCommand } from './externalize-command.js';
import { serveCommand } from './serve-command.js';
import { tokenCommands } from './token-commands.js';
import { userCommands } from './user-commands.js';

const program = new Command('vitrail')
  .description('Vitrail, a media server for e-mail campaigns')
  .version(readPackageVersion(), '-V, --version', 'print the version of Vitrail')
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

// A reader that stops early, as in `vitrail token list | head -1`, closes the pipe: the command then ends
// quietly, as other Unix tools do, instead of failing on its next write.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit();
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFailure(error);
  // A worker's channel to the primary process would keep it running, and the primary acts on its exit.
  if (cluster.isWorker) process.exit();
}

/** Reads the version from package.json, three folders above this file in dist/src/cli/, in a checkout as once installed. */
function readPackageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
