/**
 * Moving a fully restored staging database into place. MySQL has no transactional DDL, so the restore
 * itself went into a fresh staging database; here its tables move into the target with ONE RENAME TABLE
 * statement, which MySQL and MariaDB execute atomically (all tables are locked up front, the renames are
 * applied together, and a failure undoes them). When the target held tables, the same statement first
 * moves them aside into an "old" database, which is dropped only after everything succeeded.
 *
 * Accepted limitations, none of which Mattermost's schema uses: triggers cannot travel with RENAME TABLE
 * across databases, so they are dropped just before the statement and recreated just after it (writes in
 * between would not fire them: restore runs while Mattermost is stopped); views, stored routines and
 * events are not part of the atomic step either: the target's old ones are dropped and the dump's are
 * recreated right after the swap. A failure in that last part leaves the restored tables in place and
 * keeps the previous tables in the "old" database, and the error says so.
 */
import { randomBytes } from 'node:crypto';
import { MmBackupError } from '../../common/errors';
import type { Reporter } from '../../common/reporter';
import { redact } from '../../common/redact';
import { messageOf } from '../shared/errors';
import { quoteIdent, type Connection } from './connection';
import { createObjects, dropObjects, readContents, type DbObject } from './objects';

const STEP = 'restore-db';
const MAX_NAME = 64;

/** `<db>__mmbackup_<role>_<random>`, with `<db>` shortened when needed to fit MySQL's 64-character limit. */
export function sideDatabaseName(db: string, role: 'restore' | 'old'): string {
  const suffix = `__mmbackup_${role}_${randomBytes(4).toString('hex')}`;
  return `${db.slice(0, MAX_NAME - suffix.length)}${suffix}`;
}

function q(db: string, table: string): string {
  return `${quoteIdent(db)}.${quoteIdent(table)}`;
}

/** Pure: the one RENAME TABLE statement (old tables aside first, so their names are free), or undefined. */
export function renameStatement(target: string, staging: string, current: string[], incoming: string[], old?: string): string | undefined {
  const pairs = [
    ...(old ? current.map((t) => `${q(target, t)} TO ${q(old, t)}`) : []),
    ...incoming.map((t) => `${q(staging, t)} TO ${q(target, t)}`),
  ];
  return pairs.length > 0 ? `RENAME TABLE ${pairs.join(', ')}` : undefined;
}

/** Swaps the contents of `staging` into `target` (which exists). See the file comment. */
export async function swapIn(c: Connection, staging: string, target: string, reporter: Reporter): Promise<void> {
  const incoming = await readContents(c, staging);
  const current = await readContents(c, target);
  const old = current.tables.length > 0 ? sideDatabaseName(target, 'old') : undefined;
  const incomingTriggers = incoming.objects.filter((o) => o.kind === 'TRIGGER');
  const currentTriggers = current.objects.filter((o) => o.kind === 'TRIGGER');
  const statement = renameStatement(target, staging, current.tables, incoming.tables, old);
  await dropObjects(c, staging, incomingTriggers);
  if (old) await c.query(`CREATE DATABASE ${quoteIdent(old)} CHARACTER SET utf8mb4`);
  await dropObjects(c, target, currentTriggers);
  try {
    if (statement) await c.query(statement);
  } catch (err) {
    await createObjects(c, target, currentTriggers).catch((e) => reporter.warn(redact(`could not recreate the triggers of "${target}": ${messageOf(e)}`)));
    if (old) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(old)}`).catch(() => undefined);
    throw new MmBackupError({
      step: STEP,
      code: 'RESTORE_SWAP_FAILED',
      message: redact(`moving the restored tables into "${target}" failed: ${messageOf(err)}; "${target}" was left as it was`),
      fix: 'the restoring user needs ALTER, DROP, CREATE and INSERT on both databases; fix the cause and restore again',
      cause: err,
    });
  }
  reporter.info(redact(`moved ${incoming.tables.length} restored tables into "${target}"${old ? ` (the previous ${current.tables.length} set aside)` : ''}`));
  await replaceObjects(c, target, staging, current.objects, incoming.objects, old);
  if (old) await c.query(`DROP DATABASE ${quoteIdent(old)}`);
}

async function replaceObjects(c: Connection, target: string, staging: string, current: DbObject[], incoming: DbObject[], old?: string): Promise<void> {
  try {
    await dropObjects(c, target, current.filter((o) => o.kind !== 'TRIGGER'));
    await createObjects(c, target, incoming, staging);
  } catch (err) {
    throw new MmBackupError({
      step: STEP,
      code: 'RESTORE_INCOMPLETE',
      message: redact(`the tables were restored into "${target}", but its views, triggers, routines or events could not all be recreated: ${messageOf(err)}`),
      fix: old
        ? `the previous tables are kept in database "${old}"; recreate the missing objects by hand from the dump, or move the old tables back`
        : 'recreate the missing objects by hand from the dump',
      cause: err,
    });
  }
}
