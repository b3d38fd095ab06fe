/**
 * Proof that a restore is faithful: compareDatabases() checks two databases object by object and row by
 * row, compareTrees() two directory trees byte by byte. Both return human-readable differences and an empty
 * list when the two sides are equal; they throw only when a side cannot be read.
 */
import { asMmBackupError } from '../common/errors';
import type { DbEndpoint } from './db-endpoint';
import type { Dialect } from './mattermost-schema';
import type { DatabaseInventory, DbInspector } from './db-inspector';
import { openPostgresInspector } from './compare-postgres';
import { openMysqlInspector } from './compare-mysql';

export { compareTrees, type CompareTreesOptions } from './compare-trees';

export interface DatabaseDifference {
  kind: 'table' | 'columns' | 'rows' | 'sequence' | 'index' | 'constraint' | 'object';
  /** The table, sequence, index, constraint or object concerned. */
  object: string;
  /** What A has and what B has, for people. */
  message: string;
}

export interface CompareDatabasesOptions {
  /** Tables with at most this many rows on both sides get their differing primary keys listed; default 50 000. */
  locateRowsUpTo?: number;
}

const KIND_OF: Record<Exclude<keyof DatabaseInventory, 'tables' | 'primaryKeys'>, DatabaseDifference['kind']> = {
  sequences: 'sequence', indexes: 'index', constraints: 'constraint', objects: 'object',
};

/** Objects only on one side, and objects whose definitions differ. */
function diffMaps(kind: DatabaseDifference['kind'], a: Map<string, string>, b: Map<string, string>): DatabaseDifference[] {
  const out: DatabaseDifference[] = [];
  for (const [name, def] of a) {
    if (!b.has(name)) out.push({ kind, object: name, message: `${kind} ${name} exists only in A (${def})` });
    else if (b.get(name) !== def) out.push({ kind, object: name, message: `${kind} ${name} differs: A has "${def}", B has "${b.get(name)}"` });
  }
  for (const [name, def] of b) if (!a.has(name)) out.push({ kind, object: name, message: `${kind} ${name} exists only in B (${def})` });
  return out;
}

/** Which column definitions (", "-separated) only one side has, instead of two whole column lists. */
function columnsDifference(table: string, a: string, b: string): DatabaseDifference {
  const ca = a.split(', ');
  const cb = b.split(', ');
  const onlyA = ca.filter((c) => !cb.includes(c));
  const onlyB = cb.filter((c) => !ca.includes(c));
  const parts = [onlyA.length ? `A has "${onlyA.join('", "')}"` : '', onlyB.length ? `B has "${onlyB.join('", "')}"` : ''];
  const detail = parts.filter(Boolean).join(', ') || 'same columns in a different order';
  return { kind: 'columns', object: table, message: `columns of ${table} differ: ${detail}` };
}

/** Up to `limit` primary keys whose rows differ or exist on one side only. */
function differingKeys(a: Map<string, string>, b: Map<string, string>, limit: number): string[] {
  const out: string[] = [];
  for (const [key, hash] of a) {
    if (out.length >= limit) return out;
    if (!b.has(key)) out.push(`${key} (only in A)`);
    else if (b.get(key) !== hash) out.push(`${key} (changed)`);
  }
  for (const key of b.keys()) {
    if (out.length >= limit) return out;
    if (!a.has(key)) out.push(`${key} (only in B)`);
  }
  return out;
}

async function compareRows(table: string, pk: string[], a: DbInspector, b: DbInspector, locateUpTo: number): Promise<DatabaseDifference | undefined> {
  const [da, db] = await Promise.all([a.tableDigest(table), b.tableDigest(table)]);
  if (da.rows === db.rows && da.hash === db.hash) return undefined;
  let message = `rows of ${table} differ: ${da.rows} rows in A, ${db.rows} in B`;
  if (da.rows === db.rows) message += ', same count but different content';
  if (pk.length > 0 && da.rows <= locateUpTo && db.rows <= locateUpTo) {
    const [ha, hb] = await Promise.all([a.rowHashes(table, pk), b.rowHashes(table, pk)]);
    const keys = differingKeys(ha, hb, 5);
    if (keys.length > 0) message += `; first differing keys (${pk.join(', ')}): ${keys.join('; ')}`;
  }
  return { kind: 'rows', object: table, message };
}

function openInspector(driver: Dialect, endpoint: DbEndpoint): Promise<DbInspector> {
  return driver === 'postgres' ? openPostgresInspector(endpoint) : openMysqlInspector(endpoint);
}

/**
 * Compares database A with database B on the same or different servers: the set of tables, each table's
 * columns and rows (order-independent digests; for small tables the differing primary keys), sequences and
 * AUTO_INCREMENT values, indexes, constraints (primary, unique, foreign keys, checks), and enum types, views,
 * functions, triggers and extensions. Accepts a DbConnection for either side.
 */
export async function compareDatabases(driver: Dialect, a: DbEndpoint, b: DbEndpoint, opts: CompareDatabasesOptions = {}): Promise<DatabaseDifference[]> {
  let ia: DbInspector | undefined;
  let ib: DbInspector | undefined;
  try {
    ia = await openInspector(driver, a);
    ib = await openInspector(driver, b);
    const [va, vb] = await Promise.all([ia.inventory(), ib.inventory()]);
    const out: DatabaseDifference[] = [];
    for (const d of diffMaps('table', va.tables, vb.tables)) {
      const both = va.tables.has(d.object) && vb.tables.has(d.object);
      out.push(both ? columnsDifference(d.object, va.tables.get(d.object)!, vb.tables.get(d.object)!) : { ...d, message: d.message.replace(/ \(.*\)$/s, '') });
    }
    for (const [key, kind] of Object.entries(KIND_OF) as Array<[keyof typeof KIND_OF, DatabaseDifference['kind']]>) {
      out.push(...diffMaps(kind, va[key], vb[key]));
    }
    for (const table of [...va.tables.keys()].sort()) {
      if (va.tables.get(table) !== vb.tables.get(table)) continue; // missing or reshaped: already reported
      const d = await compareRows(table, va.primaryKeys.get(table) ?? [], ia, ib, opts.locateRowsUpTo ?? 50_000);
      if (d) out.push(d);
    }
    return out;
  } catch (err) {
    throw asMmBackupError(err, 'demo-compare', `check that both ${driver} databases (${a.database}, ${b.database}) exist and are readable`);
  } finally {
    await Promise.allSettled([ia?.close(), ib?.close()]);
  }
}
