import { Argument, Command, Option } from 'commander';

import { normaliseEmail, parseRole, ROLES } from '../auth/user-service.js';
import { withVitrail } from './command-context.js';
import { readNewPassword } from './password-input.js';
import { printTable } from './table.js';

/** `vitrail user …`: accounts of the people who upload and manage media. */
export function userCommands(): Command {
  const user = new Command('user').description('manage user accounts');

  user
    .command('add')
    .description('create a user; the password is prompted for, or read from standard input')
    .argument('<email>', 'e-mail address, used to log in')
    .addOption(new Option('--role <role>', 'role of the new user; admins also manage users and tokens').choices(ROLES).default('editor'))
    .option('--password-stdin', 'read the password from standard input instead of prompting')
    .action(async (email: string, options: { role: string; passwordStdin?: boolean }) => {
      const role = parseRole(options.role);
      const normalised = normaliseEmail(email);
      // The first user is added before the server has ever started, so this command may create the installation.
      await withVitrail(async (vitrail) => {
        // Checked before the prompt, so that a password is not typed twice for an address already taken.
        await vitrail.users.requireEmailFree(normalised);
        const password = await readNewPassword(options);
        const created = await vitrail.users.addUser(normalised, password, role);
        process.stderr.write(`Created ${created.role} ${created.email} (${created.id}).\n`);
      }, { createIfMissing: true });
    });

  user
    .command('list')
    .description('list every user')
    .action(async () => {
      await withVitrail(async (vitrail) => {
        const users = await vitrail.users.listUsers();
        printTable(
          ['EMAIL', 'ROLE', 'STATUS', 'CREATED'],
          users.map((row) => [row.email, row.role, row.disabled_at === null ? 'enabled' : 'disabled', row.created_at]),
        );
      });
    });

  for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
    user
      .command(name)
      .description(disabled ? 'disable a user: their tokens stop working at once' : 'enable a disabled user')
      .argument('<email>', 'e-mail address of the user')
      .action(async (email: string) => {
        await withVitrail(async (vitrail) => {
          await vitrail.users.setDisabled(email, disabled);
          process.stderr.write(`${disabled ? 'Disabled' : 'Enabled'} ${normaliseEmail(email)}.\n`);
        });
      });
  }

  user
    .command('passwd')
    .description("set a user's password")
    .argument('<email>', 'e-mail address of the user')
    .option('--password-stdin', 'read the password from standard input instead of prompting')
    .action(async (email: string, options: { passwordStdin?: boolean }) => {
      await withVitrail(async (vitrail) => {
        // Checked before the prompt, so that a password is not typed twice for an unknown address.
        await vitrail.users.requireUser(email);
        const password = await readNewPassword(options);
        await vitrail.users.setPassword(email, password);
        process.stderr.write(`Password changed for ${normaliseEmail(email)}.\n`);
      });
    });

  user
    .command('role')
    .description("set a user's role")
    .argument('<email>', 'e-mail address of the user')
    .addArgument(new Argument('<role>', 'the new role; admins also manage users and tokens').choices(ROLES))
    .action(async (email: string, role: string) => {
      const parsed = parseRole(role);
      await withVitrail(async (vitrail) => {
        await vitrail.users.setRole(email, parsed);
        process.stderr.write(`${normaliseEmail(email)} is now ${parsed}.\n`);
      });
    });

  return user;
}
