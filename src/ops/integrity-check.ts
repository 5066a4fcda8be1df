import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

import { sql } from 'kysely';

import type { Database } from '../db/database.js';
import type { BlobClaims } from '../storage/blob-claims.js';
import { isSha256, type BlobInfo, type BlobStore, type StrayEntry } from '../storage/blob-store.js';
import { isNotFound } from '../storage/local-blob-store.js';
import { RESUMABLE_DIRECTORY } from '../storage/staging-area.js';
import type { Clock } from '../time/clock.js';
import { isBlobReferenced, listReferencedBlobs, type ReferencedBlob } from './blob-references.js';

export type FindingKind =
  | 'database-integrity'
  | 'blob-missing'
  | 'blob-corrupt'
  | 'blob-orphan'
  | 'blob-store-stray'
  | 'staging-leftover';

/**
 * State of a finding. `damage` needs a person, who restores from a backup. `repairable` is removed by
 * `--repair`, and `repaired` was removed by this run. `in-flight` is younger than the grace period, so it
 * is left alone because an upload may still be writing it. `foreign` is an entry in the blob store that
 * Vitrail did not write: a person decides what it is, because `--repair` never deletes it.
 */
export type FindingState = 'damage' | 'repairable' | 'repaired' | 'in-flight' | 'foreign';

export interface Finding {
  readonly kind: FindingKind;
  readonly state: FindingState;
  /** The blob hash, staging file name, path in the blob store or database check concerned. */
  readonly subject: string;
  readonly detail: string;
}

export interface CheckReport {
  readonly findings: readonly Finding[];
  readonly databaseIntegrity: readonly string[];
  readonly blobsReferenced: number;
  readonly blobsStored: number;
  readonly blobsVerified: number;
  /** true when nothing is left that needs a person or `--repair`. */
  readonly healthy: boolean;
}

export interface CheckRequest {
  readonly db: Database;
  readonly blobs: BlobStore;
  /** Claims that make a repair and an upload of the same bytes take turns. */
  readonly claims: BlobClaims;
  readonly stagingDir: string;
  readonly clock: Clock;
  /** Anything younger than this, in milliseconds, may be an upload in flight and is never removed. */
  readonly graceMs: number;
  readonly repair: boolean;
  /** Called after each blob verified, with the number of referenced blobs, the most that can be verified. */
  readonly onProgress?: (blobsVerified: number, blobsReferenced: number) => void;
}

/**
 * Checks a data directory: SQLite's integrity check, the size and SHA-256 of every stored blob, rows whose
 * blob is missing, blobs no row references, entries of the blob store that are not blobs, and leftovers
 * in the staging area. With `repair`, removes the unreferenced blobs and staging files older than the
 * grace period. It never changes a database row, and never deletes what Vitrail did not write.
 */
export async function checkIntegrity(request: CheckRequest): Promise<CheckReport> {
  const findings: Finding[] = [];
  const databaseIntegrity = await runSqliteIntegrityCheck(request.db);
  if (!(databaseIntegrity.length === 1 && databaseIntegrity[0] === 'ok')) {
    for (const line of databaseIntegrity) {
      findings.push({ kind: 'database-integrity', state: 'damage', subject: 'PRAGMA integrity_check', detail: line });
    }
  }

  const referenced = await listReferencedBlobs(request.db);
  const seen = new Set<string>();
  let blobsStored = 0;
  let blobsVerified = 0;
  for await (const blob of request.blobs.list()) {
    blobsStored += 1;
    seen.add(blob.sha256);
    const references = referenced.get(blob.sha256);
    if (references === undefined) {
      findings.push(await handleOrphan(blob, request));
      continue;
    }
    const problem = await verifyBlob(blob, references, request.blobs);
    if (problem !== null) findings.push(problem);
    blobsVerified += 1;
    request.onProgress?.(blobsVerified, referenced.size);
  }

  // NOTE: on a running server, a blob deleted together with its last row after the rows were listed
  // (a trash purge during the check) shows up as missing. A second check distinguishes it from damage.
  for (const blob of referenced.values()) {
    if (seen.has(blob.sha256)) continue;
    findings.push({
      kind: 'blob-missing',
      state: 'damage',
      subject: blob.sha256,
      detail: `missing from the blob store, referenced by ${describeRows(blob)}: restore it from a backup`,
    });
  }

  for await (const stray of request.blobs.listStrays()) findings.push(describeStray(stray, request.clock.now()));
  findings.push(...(await checkStaging(request)));
  return {
    findings,
    databaseIntegrity,
    blobsReferenced: referenced.size,
    blobsStored,
    blobsVerified,
    healthy: findings.every((finding) => finding.state === 'repaired' || finding.state === 'in-flight'),
  };
}

async function runSqliteIntegrityCheck(db: Database): Promise<string[]> {
  const result = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
  return result.rows.map((row) => row.integrity_check);
}

async function verifyBlob(blob: BlobInfo, references: ReferencedBlob, blobs: BlobStore): Promise<Finding | null> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of await blobs.openRead(blob.sha256)) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  const digest = hash.digest('hex');
  const expectedSize = references.size ?? size;
  if (digest === blob.sha256 && size === expectedSize) return null;
  return {
    kind: 'blob-corrupt',
    state: 'damage',
    subject: blob.sha256,
    detail:
      `content does not match its name: ${size} bytes hashing to ${digest}, expected ${expectedSize} bytes; ` +
      `referenced by ${describeRows(references)}: restore it from a backup`,
  };
}

async function handleOrphan(blob: BlobInfo, request: CheckRequest): Promise<Finding> {
  const base = { kind: 'blob-orphan' as const, subject: blob.sha256 };
  if (blob.storedAt === undefined) {
    return { ...base, state: 'in-flight', detail: 'no row references it, but the store does not say when it was stored, so it is left alone' };
  }
  const ageMs = request.clock.now().getTime() - blob.storedAt.getTime();
  if (ageMs < request.graceMs) {
    return { ...base, state: 'in-flight', detail: `no row references it yet, stored ${describeAge(ageMs)} ago: probably an upload in progress, left alone` };
  }
  if (!request.repair) {
    return { ...base, state: 'repairable', detail: `no row references it (${blob.size} bytes): "vitrail check --repair" deletes it` };
  }
  // An upload of the same content may have committed its row since the list was read.
  const outcome = await request.claims.deleteIfUnreferenced(
    blob.sha256,
    () => isBlobReferenced(request.db, blob.sha256),
    () => request.blobs.delete(blob.sha256),
  );
  if (outcome === 'claimed') return { ...base, state: 'in-flight', detail: 'another process kept it claimed during the check, left alone' };
  if (outcome === 'referenced') return { ...base, state: 'in-flight', detail: 'a row started referencing it during the check, left alone' };
  return { ...base, state: 'repaired', detail: `no row referenced it: deleted (${blob.size} bytes)` };
}

/**
 * Describes an entry that Vitrail did not write in the blob store. Repair leaves it alone: it may be a
 * file someone keeps there on purpose, or the only copy of a blob that was put in the wrong folder.
 */
function describeStray(stray: StrayEntry, now: Date): Finding {
  const name = path.basename(stray.location);
  let description = 'a link or special file';
  if (stray.type === 'file') description = `a file of ${stray.size ?? 0} bytes`;
  if (stray.type === 'directory') description = 'a folder';
  const age = describeAge(now.getTime() - stray.modifiedAt.getTime());
  const detail = isSha256(name)
    ? `${description} named like a blob but outside its folder ${name.slice(0, 2)}/${name.slice(2, 4)}/, so Vitrail never reads it, ` +
      `modified ${age} ago: move it there if this blob is reported missing, else delete it (--repair leaves it alone)`
    : `${description} that Vitrail did not put there, modified ${age} ago: inspect it, then move it out of the blob store ` +
      'or delete it (--repair leaves it alone)';
  return { kind: 'blob-store-stray', state: 'foreign', subject: stray.location, detail };
}

async function checkStaging(request: CheckRequest): Promise<Finding[]> {
  let entries: string[];
  try {
    entries = await readdir(request.stagingDir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const findings: Finding[] = [];
  // Resumable uploads outlive restarts on purpose and expire on their own schedule, so they are no leftovers.
  for (const entry of entries.filter((name) => name !== RESUMABLE_DIRECTORY)) {
    const file = path.join(request.stagingDir, entry);
    let modified: Date;
    try {
      modified = (await stat(file)).mtime;
    } catch (error) {
      // The upload finished and moved its file away while the check ran.
      if (isNotFound(error)) continue;
      throw error;
    }
    const ageMs = request.clock.now().getTime() - modified.getTime();
    const base = { kind: 'staging-leftover' as const, subject: entry };
    if (ageMs < request.graceMs) {
      findings.push({ ...base, state: 'in-flight', detail: `written ${describeAge(ageMs)} ago: probably an upload in progress, left alone` });
    } else if (request.repair) {
      await rm(file, { recursive: true, force: true });
      findings.push({ ...base, state: 'repaired', detail: `leftover of an interrupted upload, ${describeAge(ageMs)} old: deleted` });
    } else {
      findings.push({ ...base, state: 'repairable', detail: `leftover of an interrupted upload, ${describeAge(ageMs)} old: "vitrail check --repair" deletes it` });
    }
  }
  return findings;
}

function describeRows(blob: ReferencedBlob): string {
  const shown = blob.rows.slice(0, 3).map((row) => `${row.table} ${row.id}`);
  return blob.rows.length > 3 ? `${shown.join(', ')} and ${blob.rows.length - 3} more` : shown.join(', ');
}

export function describeAge(ageMs: number): string {
  if (!Number.isFinite(ageMs)) return 'an unknown time';
  const minutes = Math.max(0, Math.round(ageMs / 60_000));
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}
