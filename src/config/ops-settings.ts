import path from 'node:path';

import { InvalidValue } from './invalid-value.js';

/** Settings of backups, maintenance, storage guards, metrics, TLS and reverse proxies. */
export interface OpsSettings {
  /** Directory of scheduled backups, or null when no scheduled backup runs. */
  readonly backupDir: string | null;
  /** Time between two scheduled backups, in milliseconds. */
  readonly backupIntervalMs: number;
  /** How many scheduled backups to keep; older ones are deleted after each new one. */
  readonly backupKeep: number;
  /** false turns off the in-process maintenance scheduler. */
  readonly maintenance: boolean;
  /** Time between two SQLite checkpoints and optimisations, in milliseconds. */
  readonly databaseMaintenanceIntervalMs: number;
  /** Time between two cleanups of stale staging files, in milliseconds. */
  readonly stagingCleanupIntervalMs: number;
  /** Time between two purges of media whose time in the trash has passed, in milliseconds. */
  readonly trashPurgeIntervalMs: number;
  /**
   * Age under which a staging file or an unreferenced blob is treated as an upload in flight, in
   * milliseconds: cleanup and `check --repair` never remove anything younger.
   */
  readonly cleanupGraceMs: number;
  /** Uploads are rejected with 507 while the data directory's file system has less free space, in bytes. */
  readonly minFreeDiskBytes: number;
  /** Bytes of media one user may upload, trash included; null means no quota. */
  readonly userQuotaBytes: number | null;
  /** Bytes of media all users together may upload, trash included; null means no quota. */
  readonly storageQuotaBytes: number | null;
  readonly metrics: MetricsSettings;
  /** Certificate and key files, both PEM; null serves plain HTTP. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  /** Fastify's trustProxy: false, true, a hop count, or the addresses and CIDR ranges of trusted proxies. */
  readonly trustProxy: boolean | number | readonly string[];
}

export interface MetricsSettings {
  readonly enabled: boolean;
  /** Separate listening address for /metrics; null serves it on the main address and port. */
  readonly listen: { readonly host: string; readonly port: number } | null;
}

/** Reads one variable: the fallback when unset, else the parser's result, recording parser rejections. */
export type ReadSetting = <T>(name: string, fallback: T, parse: (raw: string) => T) => T;

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
};

export const DEFAULT_MIN_FREE_DISK_BYTES = 256 * 1024 ** 2;

/** Parses the operations variables with the same reader, and the same error list, as the core settings. */
export function readOpsSettings(read: ReadSetting, problems: string[], cwd: string = process.cwd()): OpsSettings {
  const backupDirRaw = read<string | null>('VITRAIL_BACKUP_DIR', null, (raw) => raw);
  const certFile = read<string | null>('VITRAIL_TLS_CERT', null, (raw) => raw);
  const keyFile = read<string | null>('VITRAIL_TLS_KEY', null, (raw) => raw);
  if ((certFile === null) !== (keyFile === null)) {
    problems.push('VITRAIL_TLS_CERT and VITRAIL_TLS_KEY must be set together, or neither');
  }

  const metricsHost = read<string | null>('VITRAIL_METRICS_HOST', null, parseHostName);
  const metricsPort = read<number | null>('VITRAIL_METRICS_PORT', null, (raw) =>
    parseCount(raw, 0, 65535, 'a TCP port from 0 to 65535'),
  );

  return Object.freeze({
    backupDir: backupDirRaw === null ? null : path.resolve(cwd, backupDirRaw),
    backupIntervalMs: read('VITRAIL_BACKUP_INTERVAL', DURATION_UNITS_MS.d ?? 0, (raw) => parseDuration(raw, '1d')),
    backupKeep: read('VITRAIL_BACKUP_KEEP', 7, (raw) => parseCount(raw, 1, 10_000, 'a whole number from 1 to 10000 (default 7)')),
    maintenance: read('VITRAIL_MAINTENANCE', true, parseSwitch),
    databaseMaintenanceIntervalMs: read('VITRAIL_MAINTENANCE_DATABASE_INTERVAL', 6 * 3_600_000, (raw) => parseDuration(raw, '6h')),
    stagingCleanupIntervalMs: read('VITRAIL_MAINTENANCE_STAGING_INTERVAL', 3_600_000, (raw) => parseDuration(raw, '1h')),
    trashPurgeIntervalMs: read('VITRAIL_MAINTENANCE_TRASH_INTERVAL', 3_600_000, (raw) => parseDuration(raw, '1h')),
    cleanupGraceMs: read('VITRAIL_CLEANUP_GRACE', 6 * 3_600_000, (raw) => parseDuration(raw, '6h')),
    minFreeDiskBytes: read('VITRAIL_MIN_FREE_DISK', DEFAULT_MIN_FREE_DISK_BYTES, (raw) => parseByteSize(raw, '256MiB', true)),
    userQuotaBytes: read<number | null>('VITRAIL_USER_QUOTA', null, (raw) => parseQuota(raw)),
    storageQuotaBytes: read<number | null>('VITRAIL_STORAGE_QUOTA', null, (raw) => parseQuota(raw)),
    metrics: Object.freeze({
      enabled: read('VITRAIL_METRICS', true, parseSwitch),
      listen: metricsPort === null ? null : Object.freeze({ host: metricsHost ?? '127.0.0.1', port: metricsPort }),
    }),
    tls: certFile === null || keyFile === null ? null : Object.freeze({ certFile: path.resolve(cwd, certFile), keyFile: path.resolve(cwd, keyFile) }),
    trustProxy: read<boolean | number | readonly string[]>('VITRAIL_TRUST_PROXY', false, parseTrustProxy),
  });
}

/** Parses "90s", "15m", "6h", "7d" or a plain number of seconds into milliseconds. */
export function parseDuration(raw: string, example: string): number {
  const match = /^(\d+)\s*([smhd]?)$/i.exec(raw);
  const amount = Number(match?.[1]);
  const unit = DURATION_UNITS_MS[(match?.[2] ?? '').toLowerCase() || 's'];
  if (match === null || unit === undefined || !Number.isSafeInteger(amount) || amount < 1) {
    throw new InvalidValue(`a positive duration with a unit s, m, h or d, such as ${example} (plain numbers are seconds)`);
  }
  return amount * unit;
}

/** Parses "512MiB", "2GB", "1048576" (bytes); binary and decimal units are both accepted. */
export function parseByteSize(raw: string, example: string, allowZero = false): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(raw);
  const factor = SIZE_UNITS[(match?.[2] ?? 'x').toLowerCase()];
  const value = Number(match?.[1]) * (factor ?? Number.NaN);
  if (match === null || factor === undefined || !Number.isSafeInteger(value) || (value === 0 && !allowZero)) {
    const size = allowZero ? 'a size in bytes' : 'a size above 0 in bytes';
    throw new InvalidValue(`${size}, or with a unit KiB, MiB, GiB, TiB, KB, MB, GB or TB, such as ${example}`);
  }
  return value;
}

function parseQuota(raw: string): number | null {
  if (raw === '0' || raw.toLowerCase() === 'none') return null;
  return parseByteSize(raw, '10GiB (0 or none for no quota)');
}

function parseCount(raw: string, min: number, max: number, allowed: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new InvalidValue(allowed);
  return value;
}

function parseSwitch(raw: string): boolean {
  const value = raw.toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new InvalidValue('on or off');
}

function parseHostName(raw: string): string {
  if (!/^[A-Za-z0-9.:_-]+$/.test(raw)) throw new InvalidValue('an IP address or a host name, such as 127.0.0.1');
  return raw;
}

/**
 * Parses the proxies whose X-Forwarded-* headers are believed: true or false, a number of hops, or a
 * comma-separated list of addresses and CIDR ranges (the safest choice: only the proxy's own address).
 */
function parseTrustProxy(raw: string): boolean | number | readonly string[] {
  const value = raw.toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0 || !entries.every((entry) => /^[0-9A-Fa-f.:]+(\/\d{1,3})?$/.test(entry))) {
    throw new InvalidValue('true, false, a number of proxy hops, or a comma-separated list of addresses or CIDR ranges such as 127.0.0.1,10.0.0.0/8');
  }
  return Object.freeze(entries);
}
