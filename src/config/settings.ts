import path from 'node:path';

import { DEFAULT_ALLOWED_TYPES } from '../media/media-types.js';
import { InvalidValue } from './invalid-value.js';
import { parseByteSize, readOpsSettings, type OpsSettings } from './ops-settings.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Settings of one Vitrail process, parsed once from the environment and then frozen. */
export interface Settings {
  /** Absolute path of the directory that contains the database, the blobs and the staging area. */
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Absolute base of every link handed out, without a trailing slash. */
  readonly publicUrl: string;
  /** false when publicUrl was derived from the host and port. */
  readonly publicUrlIsSet: boolean;
  /** Largest accepted upload, in bytes. */
  readonly maxUploadBytes: number;
  /** Accepted media types: exact types (`application/pdf`) or families (`image/*`). */
  readonly allowedTypes: readonly string[];
  readonly logLevel: LogLevel;
  /** Readable log lines instead of JSON. */
  readonly logPretty: boolean;
  /** First admin account created at start when no user exists yet. */
  readonly initialAdmin: { readonly email: string; readonly password: string } | null;
  /** Time a client has to send all request headers, in milliseconds. */
  readonly headersTimeoutMs: number;
  /** Time a connection may stay silent in both directions before it is closed, in milliseconds. */
  readonly idleTimeoutMs: number;
  /** Time a client has to send a whole request, body included, in milliseconds. */
  readonly requestTimeoutMs: number;
  /** Days a deleted media stays in the trash before the scheduled purge removes it. */
  readonly trashRetentionDays: number;
  /** Backup, maintenance, storage guards, metrics, TLS and proxy settings. */
  readonly ops: OpsSettings;
  /** Public values the page check never reports: e-mail addresses, "@domain" entries, phone numbers, IBANs. */
  readonly pageAllowlist: readonly string[];
  /** Limits checked on a page's zip archive before anything is unpacked. */
  readonly zipMaxEntries: number;
  /** Largest total unpacked size of a page's zip archive, in bytes. */
  readonly zipMaxUnpackedBytes: number;
  /** Largest unpacked-to-packed size ratio of a page's zip archive or of one of its entries. */
  readonly zipMaxCompressionRatio: number;
  /** Largest image accepted, in pixels (width × height × frames), read from the header before decoding. */
  readonly maxImagePixels: number;
  /** How many images are decoded at once; more wait in a queue. */
  readonly imageConcurrency: number;
  /** Widest public rendition of an image, in pixels. */
  readonly renditionMaxWidth: number;
  /** Variants stored per media; past it, variants are made for each request and not kept. */
  readonly variantsPerMedia: number;
  /** Origins (scheme, host and port) of the sites whose editors may call /integrations/ from a browser. */
  readonly corsOrigins: readonly string[];
  /** Bytes of public media bodies kept in memory per process; 0 reads every body from disk. */
  readonly memoryCacheBytes: number;
  /** Server processes sharing the port; 1 serves from the main process alone. */
  readonly workers: number;
  /** Absolute path of the directory of hard links that nginx serves public media from, or null when off. */
  readonly publicMirrorDir: string | null;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 250 * 1024 * 1024;
export const DEFAULT_TRASH_RETENTION_DAYS = 30;
export const DEFAULT_ZIP_MAX_ENTRIES = 1000;
export const DEFAULT_ZIP_MAX_UNPACKED_BYTES = 100 * 1024 * 1024;
export const DEFAULT_ZIP_MAX_COMPRESSION_RATIO = 100;
/** 100 megapixels: above any phone or consumer camera, far below what would exhaust memory when decoded. */
export const DEFAULT_MAX_IMAGE_PIXELS = 100_000_000;
export const DEFAULT_IMAGE_CONCURRENCY = 2;
/** Twice the usual 600 px column of a mail, for high-density screens. */
export const DEFAULT_RENDITION_MAX_WIDTH = 1200;
export const DEFAULT_VARIANTS_PER_MEDIA = 20;
export const DEFAULT_MEMORY_CACHE_BYTES = 128 * 1024 * 1024;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LOG_FORMATS = ['json', 'pretty'] as const;

/** One or more invalid settings; the message lists each variable, its value and what is allowed. */
export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid settings:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses the `VITRAIL_*` variables into frozen settings.
 * Every invalid variable is reported at once, so an operator fixes them in one pass.
 */
export function loadSettings(env: Environment = process.env, cwd: string = process.cwd()): Settings {
  const problems: string[] = [];
  const read = <T>(name: string, fallback: T, parse: (raw: string) => T): T => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    try {
      return parse(raw.trim());
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      problems.push(`${name}=${JSON.stringify(raw)} is invalid: expected ${error.message}`);
      return fallback;
    }
  };

  const dataDir = path.resolve(cwd, read('VITRAIL_DATA_DIR', './data', (raw) => raw));
  const host = read('VITRAIL_HOST', '127.0.0.1', parseHost);
  const port = read('VITRAIL_PORT', 8080, (raw) => parseInteger(raw, 0, 65535, 'a TCP port from 0 to 65535'));
  // Byte sizes take the units of VITRAIL_MIN_FREE_DISK and the quotas, such as 10MB or 250MiB, or plain bytes.
  const maxUploadBytes = read('VITRAIL_MAX_UPLOAD_BYTES', DEFAULT_MAX_UPLOAD_BYTES, (raw) =>
    parseByteSize(raw, `250MiB (default ${DEFAULT_MAX_UPLOAD_BYTES} bytes)`),
  );
  const timeout = (name: string, fallback: number) =>
    read(name, fallback, (raw) => parseInteger(raw, 100, 86_400_000, `a duration in milliseconds, from 100 to 86400000 (default ${fallback})`));
  const headersTimeoutMs = timeout('VITRAIL_HEADERS_TIMEOUT_MS', 20_000);
  // Longer than the 60 s for which nginx keeps an idle upstream connection (its upstream keepalive_timeout),
  // so that the proxy closes it first and never sends a request on a connection Vitrail is closing.
  const idleTimeoutMs = timeout('VITRAIL_IDLE_TIMEOUT_MS', 72_000);
  const requestTimeoutMs = timeout('VITRAIL_REQUEST_TIMEOUT_MS', 3_600_000);
  const allowedTypes = read<readonly string[]>('VITRAIL_ALLOWED_TYPES', DEFAULT_ALLOWED_TYPES, parseAllowedTypes);
  const trashRetentionDays = read('VITRAIL_TRASH_RETENTION_DAYS', DEFAULT_TRASH_RETENTION_DAYS, (raw) =>
    parseInteger(raw, 0, 36500, `a whole number of days from 0 to 36500 (default ${DEFAULT_TRASH_RETENTION_DAYS})`),
  );
  const logLevel = read<LogLevel>('VITRAIL_LOG_LEVEL', 'info', (raw) => parseChoice(raw, LOG_LEVELS));
  const logFormat = read('VITRAIL_LOG_FORMAT', 'json', (raw) => parseChoice(raw, LOG_FORMATS));
  const maxImagePixels = read('VITRAIL_MAX_IMAGE_PIXELS', DEFAULT_MAX_IMAGE_PIXELS, (raw) =>
    parseInteger(raw, 1, Number.MAX_SAFE_INTEGER, `a whole number of pixels, at least 1 (default ${DEFAULT_MAX_IMAGE_PIXELS})`),
  );
  const imageConcurrency = read('VITRAIL_IMAGE_CONCURRENCY', DEFAULT_IMAGE_CONCURRENCY, (raw) =>
    parseInteger(raw, 1, 64, `a number of images from 1 to 64 (default ${DEFAULT_IMAGE_CONCURRENCY})`),
  );
  const renditionMaxWidth = read('VITRAIL_RENDITION_MAX_WIDTH', DEFAULT_RENDITION_MAX_WIDTH, (raw) =>
    parseInteger(raw, 16, 16384, `a width in pixels from 16 to 16384 (default ${DEFAULT_RENDITION_MAX_WIDTH})`),
  );
  const variantsPerMedia = read('VITRAIL_VARIANTS_PER_MEDIA', DEFAULT_VARIANTS_PER_MEDIA, (raw) =>
    parseInteger(raw, 0, 10000, `a number of variants from 0 to 10000 (default ${DEFAULT_VARIANTS_PER_MEDIA})`),
  );
  const corsOrigins = read<readonly string[]>('VITRAIL_CORS_ORIGINS', [], parseOrigins);
  const memoryCacheBytes = read('VITRAIL_MEMORY_CACHE_BYTES', DEFAULT_MEMORY_CACHE_BYTES, (raw) =>
    parseByteSize(raw, `128MiB, or 0 to keep no body in memory (default ${DEFAULT_MEMORY_CACHE_BYTES} bytes)`, true),
  );

  const pageAllowlist = read<readonly string[]>('VITRAIL_PAGE_ALLOWLIST', [], parseAllowlist);
  const zipMaxEntries = read('VITRAIL_ZIP_MAX_ENTRIES', DEFAULT_ZIP_MAX_ENTRIES, (raw) =>
    parseInteger(raw, 1, 1_000_000, `a whole number of zip entries from 1 to 1000000 (default ${DEFAULT_ZIP_MAX_ENTRIES})`),
  );
  const zipMaxUnpackedBytes = read('VITRAIL_ZIP_MAX_UNPACKED_BYTES', DEFAULT_ZIP_MAX_UNPACKED_BYTES, (raw) =>
    parseByteSize(raw, `100MiB (default ${DEFAULT_ZIP_MAX_UNPACKED_BYTES} bytes)`),
  );
  const zipMaxCompressionRatio = read('VITRAIL_ZIP_MAX_RATIO', DEFAULT_ZIP_MAX_COMPRESSION_RATIO, (raw) =>
    parseInteger(raw, 2, 100_000, `a whole number from 2 to 100000, the unpacked size divided by the packed size (default ${DEFAULT_ZIP_MAX_COMPRESSION_RATIO})`),
  );
  const workers = read('VITRAIL_WORKERS', 1, (raw) => parseInteger(raw, 1, 64, 'a whole number of server processes from 1 to 64 (default 1)'));

  const publicMirrorDir = read<string | null>('VITRAIL_PUBLIC_MIRROR_DIR', null, (raw) => path.resolve(cwd, raw));

  const defaultPublicUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const publicUrl = read('VITRAIL_PUBLIC_URL', defaultPublicUrl, parsePublicUrl).replace(/\/+$/, '');

  const adminEmail = env.VITRAIL_ADMIN_EMAIL?.trim() ?? '';
  const adminPassword = env.VITRAIL_ADMIN_PASSWORD ?? '';
  if ((adminEmail === '') !== (adminPassword === '')) {
    problems.push('VITRAIL_ADMIN_EMAIL and VITRAIL_ADMIN_PASSWORD must be set together, or neither');
  }

  const ops = readOpsSettings(read, problems, cwd);

  if (problems.length > 0) throw new SettingsError(problems);

  return Object.freeze({
    dataDir,
    host,
    port,
    publicUrl,
    publicUrlIsSet: (env.VITRAIL_PUBLIC_URL ?? '').trim() !== '',
    maxUploadBytes,
    allowedTypes: Object.freeze([...allowedTypes]),
    logLevel,
    logPretty: logFormat === 'pretty',
    initialAdmin: adminEmail === '' ? null : Object.freeze({ email: adminEmail, password: adminPassword }),
    headersTimeoutMs,
    idleTimeoutMs,
    requestTimeoutMs,
    trashRetentionDays,
    ops,
    pageAllowlist: Object.freeze([...pageAllowlist]),
    zipMaxEntries,
    zipMaxUnpackedBytes,
    zipMaxCompressionRatio,
    maxImagePixels,
    imageConcurrency,
    renditionMaxWidth,
    variantsPerMedia,
    corsOrigins: Object.freeze([...corsOrigins]),
    memoryCacheBytes,
    workers,
    publicMirrorDir,
  });
}

function parseChoice<T extends string>(raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) throw new InvalidValue(`one of ${choices.join(', ')}`);
  return raw as T;
}

function parseInteger(raw: string, min: number, max: number, allowed: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidValue(allowed);
  }
  return value;
}

function parseHost(raw: string): string {
  if (!/^[A-Za-z0-9.:_-]+$/.test(raw)) {
    throw new InvalidValue('an IP address or a host name, such as 127.0.0.1 or 0.0.0.0');
  }
  return raw;
}

function parsePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidValue('an absolute http or https URL, such as https://media.example.org');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidValue('an http or https URL');
  if (url.search !== '' || url.hash !== '') throw new InvalidValue('a URL without query string or fragment');
  if (url.username !== '' || url.password !== '') throw new InvalidValue('a URL without user name or password');
  return raw;
}

function parseAllowedTypes(raw: string): string[] {
  const types = raw
    .split(',')
    .map((type) => type.trim().toLowerCase())
    .filter((type) => type !== '');
  const valid = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)$/;
  const invalid = types.filter((type) => !valid.test(type));
  if (types.length === 0 || invalid.length > 0) {
    const culprits = invalid.length > 0 ? ` ("${invalid.join('", "')}" is not one)` : '';
    throw new InvalidValue(`a comma-separated list of media types or families, such as image/*,application/pdf${culprits}`);
  }
  return types;
}

/** A comma-separated list of public values; commas never occur in addresses, phone numbers or IBANs. */
function parseAllowlist(raw: string): string[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.some((entry) => entry.length > 200)) throw new InvalidValue('a comma-separated list of values of at most 200 characters each');
  return entries;
}

/**
 * Parses a comma-separated list of origins such as https://crm.example.org. Each must be exactly an
 * origin, as a browser sends it in the Origin header: a wildcard or a path would let other sites in.
 */
function parseOrigins(raw: string): string[] {
  const allowed = 'a comma-separated list of origins such as https://crm.example.org,https://crm.example.org:8443 (scheme, host and port only; no wildcard, path or trailing slash)';
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  if (origins.length === 0) throw new InvalidValue(allowed);
  for (const origin of origins) {
    // WHATWG URL parsing accepts `*` in a host name, so a wildcard is refused here before parsing.
    if (origin.includes('*')) throw new InvalidValue(allowed);
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new InvalidValue(allowed);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.toLowerCase()) {
      throw new InvalidValue(allowed);
    }
  }
  return origins.map((origin) => origin.toLowerCase());
}
