import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse as parseToml, TomlError } from 'smol-toml';

import { loadSettings, SettingsError, type Settings } from './settings.js';

type Environment = Readonly<Record<string, string | undefined>>;

export type SettingSource = 'environment' | 'file' | 'default';

export interface SettingOrigin {
  readonly variable: string;
  /** The raw value as given, or undefined for a default. */
  readonly value: string | undefined;
  readonly source: SettingSource;
}

export interface ConfiguredSettings {
  readonly settings: Settings;
  /** Absolute path of the settings file read, or null when VITRAIL_CONFIG is unset. */
  readonly configFile: string | null;
  /** Every setting variable, in the order loadSettings reads them, with where its value came from. */
  readonly origins: readonly SettingOrigin[];
}

const PREFIX = 'VITRAIL_';
const CONFIG_VARIABLE = 'VITRAIL_CONFIG';

/**
 * Loads settings from the environment and from the TOML file named by VITRAIL_CONFIG; a variable set
 * in the environment wins over the file. A file key is the variable's name without `VITRAIL_`, in lower
 * case (`data_dir`, `public_url`); a `[section]` prefixes its keys (`[tls] cert` is VITRAIL_TLS_CERT).
 */
export function loadConfiguredSettings(env: Environment = process.env, cwd: string = process.cwd()): ConfiguredSettings {
  const variables = listSettingVariables(cwd);
  const configPath = env[CONFIG_VARIABLE]?.trim() ?? '';
  const configFile = configPath === '' ? null : path.resolve(cwd, configPath);
  const fromFile = configFile === null ? new Map<string, string>() : readSettingsFile(configFile, new Set(variables));

  const merged: Record<string, string | undefined> = { ...env };
  const origins: SettingOrigin[] = [];
  for (const variable of variables) {
    const fromEnvironment = env[variable];
    if (fromEnvironment !== undefined && fromEnvironment.trim() !== '') {
      origins.push({ variable, value: fromEnvironment, source: 'environment' });
      continue;
    }
    const value = fromFile.get(variable);
    if (value !== undefined) {
      merged[variable] = value;
      origins.push({ variable, value, source: 'file' });
      continue;
    }
    origins.push({ variable, value: undefined, source: 'default' });
  }

  return { settings: loadSettings(merged, cwd), configFile, origins };
}

/**
 * Lists every variable loadSettings reads, by watching which names it looks up in an empty environment.
 * A setting added to loadSettings is therefore settable from the file, and shown by `vitrail config`,
 * with no second list to keep in step.
 */
export function listSettingVariables(cwd: string = process.cwd()): string[] {
  const seen: string[] = [];
  const recorder = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get(_target, name) {
        if (typeof name === 'string' && name.startsWith(PREFIX) && !seen.includes(name)) seen.push(name);
        return undefined;
      },
    },
  );
  loadSettings(recorder, cwd);
  return seen;
}

function readSettingsFile(file: string, known: ReadonlySet<string>): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SettingsError([`${CONFIG_VARIABLE}=${JSON.stringify(file)} cannot be read: ${(error as Error).message}`]);
  }
  let document: Record<string, unknown>;
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const detail = error instanceof TomlError ? `line ${error.line}, column ${error.column}: ${error.message.split('\n')[0] ?? ''}` : String(error);
    throw new SettingsError([`${file} is not valid TOML (${detail})`]);
  }

  const values = new Map<string, string>();
  const problems: string[] = [];
  const visit = (table: Record<string, unknown>, keyPath: readonly string[]) => {
    for (const [key, value] of Object.entries(table)) {
      const fullPath = [...keyPath, key];
      const variable = `${PREFIX}${fullPath.join('_').toUpperCase()}`;
      if (isPlainTable(value)) {
        visit(value, fullPath);
        continue;
      }
      if (!known.has(variable) || variable === CONFIG_VARIABLE) {
        problems.push(`${file}: "${fullPath.join('.')}" is not a setting; settings are the VITRAIL_* variables without the prefix, in lower case, such as data_dir or public_url`);
        continue;
      }
      const text = settingText(value);
      if (text === null) {
        problems.push(`${file}: "${fullPath.join('.')}" must be a string, a number, a boolean or a list of strings`);
        continue;
      }
      values.set(variable, text);
    }
  };
  visit(document, []);
  if (problems.length > 0) throw new SettingsError(problems);
  return values;
}

function isPlainTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The file value as the variable's text: lists become comma-separated, as in VITRAIL_ALLOWED_TYPES. */
function settingText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number')) return value.join(',');
  return null;
}

/** Names of variables whose values are secrets: `vitrail config` masks them. */
export function isSecretVariable(variable: string): boolean {
  return /PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE/.test(variable);
}
