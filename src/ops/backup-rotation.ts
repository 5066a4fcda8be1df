import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** Scheduled backups are named vitrail-backup-<UTC time>.tar, so names sort by age. */
const SCHEDULED_NAME = /^vitrail-backup-\d{8}T\d{6}Z\.tar$/;

export async function scheduledBackupPath(backupDir: string, now: Date): Promise<string> {
  await mkdir(backupDir, { recursive: true });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return path.join(backupDir, `vitrail-backup-${stamp}.tar`);
}

/**
 * Deletes the oldest scheduled backups beyond `keep`; returns the names deleted. Only files named by the
 * scheduler are considered, so an operator's own archives in the same directory are never deleted.
 */
export async function rotateBackups(backupDir: string, keep: number): Promise<string[]> {
  const scheduled = (await readdir(backupDir)).filter((name) => SCHEDULED_NAME.test(name)).sort();
  const excess = scheduled.slice(0, Math.max(0, scheduled.length - keep));
  for (const name of excess) await rm(path.join(backupDir, name), { force: true });
  return excess;
}
