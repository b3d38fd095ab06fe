/**
 * The proof that a restore worked: the restored database has the row counts the manifest recorded, and
 * every file the database references is present in the restored file store.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MmBackupError } from '../common/errors';
import type { Reporter } from '../common/reporter';
import type { DbConnection } from '../mattermost/types';
import { readBlobLines } from '../repository/blobs';
import type { Repository } from '../repository/repository';
import type { SnapshotManifest } from '../repository/snapshots';
import { driverFor } from '../sources/drivers';
import { keyPrefix, type S3Store } from '../sources/s3-store/client';
import { listStore } from '../sources/s3-store/capture';

export interface RestoreCheck {
  tablesCompared: number;
  rowMismatches: Array<{ table: string; expected: number; found: number | null }>;
  filesReferenced: number;
  filesMissing: string[];
}

export interface CheckTargets {
  db?: DbConnection;
  filesDir?: string;
  s3Store?: S3Store;
}

/** Tells whether a referenced path exists in the restored file store. */
async function presenceCheck(targets: CheckTargets): Promise<((relative: string) => Promise<boolean>) | undefined> {
  if (targets.s3Store) {
    const prefix = keyPrefix(targets.s3Store);
    const keys = new Set<string>();
    for await (const object of listStore(targets.s3Store)) keys.add(object.Key!.slice(prefix.length));
    return async (relative) => keys.has(relative);
  }
  const dir = targets.filesDir;
  if (!dir) return undefined;
  return (relative) => fs.access(path.join(dir, relative)).then(() => true, () => false);
}


export async function checkTargets(repository: Repository, snapshot: SnapshotManifest, targets: CheckTargets): Promise<RestoreCheck> {
  const check: RestoreCheck = { tablesCompared: 0, rowMismatches: [], filesReferenced: 0, filesMissing: [] };
  const db = snapshot.components.db;
  if (db && targets.db) {
    const found = await driverFor(targets.db).countRows(targets.db);
    for (const [table, expected] of Object.entries(db.tables)) {
      check.tablesCompared++;
      if (found[table] !== expected) check.rowMismatches.push({ table, expected, found: found[table] ?? null });
    }
  }
  const isPresent = db ? await presenceCheck(targets) : undefined;
  if (db && isPresent) {
    for await (const line of readBlobLines(repository, db.referencedFiles.list)) {
      if (!line) continue;
      check.filesReferenced++;
      const relative = JSON.parse(line) as string;
      if (!(await isPresent(relative))) check.filesMissing.push(relative);
    }
  }
  return check;
}

export function checkFailed(check: RestoreCheck): MmBackupError | undefined {
  const problems: string[] = [];
  if (check.rowMismatches.length > 0) {
    problems.push(`row counts differ in ${check.rowMismatches.length} tables (${check.rowMismatches.slice(0, 5).map((m) => `${m.table}: expected ${m.expected}, found ${m.found ?? 'no table'}`).join('; ')})`);
  }
  if (check.filesMissing.length > 0) {
    problems.push(`${check.filesMissing.length} of ${check.filesReferenced} files the database references are missing (${check.filesMissing.slice(0, 5).join(', ')})`);
  }
  if (problems.length === 0) return undefined;
  return new MmBackupError({
    step: 'check',
    code: 'RESTORE_CHECK_FAILED',
    message: problems.join('; '),
    fix: 'run mmbackup verify --read-data on the snapshot; if the snapshot itself lacked the files, they were already missing on the server when it was taken',
  });
}

/** After a restore: checks what was restored, and fails the restore when the check fails. */
export async function checkRestore(repository: Repository, snapshot: SnapshotManifest, plan: { db?: DbConnection; filesDir?: string; s3Store?: S3Store; actions: Array<{ component: string; root?: { name: string } }> }, reporter: Reporter): Promise<RestoreCheck> {
  const restoredDb = plan.actions.some((a) => a.component === 'db');
  const restoredData = plan.actions.some((a) => a.component === 'files' && a.root?.name === 'data');
  const check = await checkTargets(repository, snapshot, { db: restoredDb ? plan.db : undefined, filesDir: restoredData && !plan.s3Store ? plan.filesDir : undefined, s3Store: restoredData ? plan.s3Store : undefined });
  const failure = checkFailed(check);
  if (failure) throw failure;
  reporter.info(`check: ${check.tablesCompared} tables have the recorded row counts; ${check.filesReferenced} referenced files present`);
  return check;
}
