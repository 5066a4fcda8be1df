import { Command } from 'commander';

import { isSecretVariable, loadConfiguredSettings } from '../config/settings-file.js';
import { printTable } from './table.js';

/** `vitrail config`: the effective settings, where each comes from, secrets masked. */
export function configCommand(): Command {
  return new Command('config')
    .description('print the effective settings and where each one comes from (environment, file or default)')
    .action(() => {
      const configured = loadConfiguredSettings();
      process.stdout.write(`Settings file: ${configured.configFile ?? 'none (set VITRAIL_CONFIG to use one)'}\n\n`);
      printTable(
        ['VARIABLE', 'VALUE', 'SOURCE'],
        configured.origins.map((origin) => [
          origin.variable,
          origin.value === undefined ? '(default)' : isSecretVariable(origin.variable) ? '********' : origin.value,
          origin.source === 'file' ? `file ${configured.configFile ?? ''}` : origin.source,
        ]),
      );
      process.stdout.write('\nEffective values:\n');
      process.stdout.write(`${JSON.stringify(maskSecrets(configured.settings), null, 2)}\n`);
    });
}

/** Replaces every value under a secret-looking key, at any depth, before printing. */
function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, isSecretVariable(key.toUpperCase()) ? '********' : maskSecrets(inner)]),
  );
}
