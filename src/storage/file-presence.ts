import type { Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';

/** Tells whether a file system error means that the path does not exist. */
export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** Returns the path's status, or null when nothing exists there; other errors are thrown. */
export async function statIfExists(filePath: string): Promise<Stats | null> {
  return nullIfMissing(() => stat(filePath));
}

/** Returns the status of the path itself, not of a link's target, or null when nothing exists there. */
export async function lstatIfExists(filePath: string): Promise<Stats | null> {
  return nullIfMissing(() => lstat(filePath));
}

/** Tells whether something exists at the path, following links. */
export async function pathExists(filePath: string): Promise<boolean> {
  return (await statIfExists(filePath)) !== null;
}

async function nullIfMissing(read: () => Promise<Stats>): Promise<Stats | null> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
