import { Command } from 'commander';

import { withVitrail } from './command-context.js';
import { printTable } from './table.js';

/** `vitrail token …`: API tokens for scripts and editors' integrations. */
export function tokenCommands(): Command {
  const token = new Command('token').description('manage API tokens');

  token
    .command('create')
    .description('create an API token and print it alone on standard output; it is shown only once')
    .requiredOption('--user <email>', 'e-mail address of the user the token acts as')
    .requiredOption('--name <label>', 'what the token is for, such as "CiviCRM" or "laptop script"')
    .action(async (options: { user: string; name: string }) => {
      await withVitrail(async (vitrail) => {
        const created = await vitrail.tokens.createToken(options.user, options.name);
        process.stdout.write(`${created.token}\n`);
        process.stderr.write(`Created token ${created.id}; store it now, it cannot be shown again.\n`);
      });
    });

  token
    .command('list')
    .description('list every API token, without the secrets')
    .action(async () => {
      await withVitrail(async (vitrail) => {
        const tokens = await vitrail.tokens.listTokens();
        printTable(
          ['ID', 'USER', 'NAME', 'CREATED', 'LAST USED', 'STATUS'],
          tokens.map((row) => [
            row.id,
            row.email,
            row.name,
            row.created_at,
            row.last_used_at ?? 'never',
            row.revoked_at === null ? 'active' : 'revoked',
          ]),
        );
      });
    });

  token
    .command('revoke')
    .description('revoke an API token: it stops working at once, in a running server too; a token already revoked is left as it is')
    .argument('<id>', 'token id, as shown by "vitrail token list"')
    .action(async (id: string) => {
      await withVitrail(async (vitrail) => {
        const revoked = await vitrail.tokens.revokeToken(id);
        // The exit status stays 0: the token is revoked either way, so a script may run this twice.
        process.stderr.write(
          revoked.alreadyRevoked ? `Token ${id} was already revoked on ${revoked.revokedAt}, so nothing changed.\n` : `Revoked token ${id}.\n`,
        );
      });
    });

  return token;
}
