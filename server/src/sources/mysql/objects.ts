/**
 * The contents of a MySQL/MariaDB database as the restore swap sees them: its tables (which RENAME TABLE
 * can move between databases) and everything else, which it cannot move and which must be recreated from
 * SHOW CREATE: views, triggers (a table with triggers cannot even be renamed into another database),
 * stored procedures and functions, and events.
 */
import type { RowDataPacket } from 'mysql2';
import { quoteIdent, type Connection } from './connection';

export type ObjectKind = 'VIEW' | 'PROCEDURE' | 'FUNCTION' | 'TRIGGER' | 'EVENT';

export interface DbObject {
  kind: ObjectKind;
  name: string;
  /** The CREATE statement as SHOW CREATE gives it. */
  create: string;
  /** The sql_mode it was created under (not for views). */
  sqlMode?: string;
}

export interface DbContents {
  /** Base tables, sequences and system-versioned tables: everything RENAME TABLE moves. */
  tables: string[];
  /** In creation order: views, routines, triggers, events. */
  objects: DbObject[];
}

type Row = RowDataPacket & Record<string, unknown>;

const CREATE_COLUMN: Record<ObjectKind, string> = {
  VIEW: 'Create View',
  PROCEDURE: 'Create Procedure',
  FUNCTION: 'Create Function',
  TRIGGER: 'SQL Original Statement',
  EVENT: 'Create Event',
};

async function names(c: Connection, sql: string, db: string): Promise<Array<{ name: string; kind?: string }>> {
  const [rows] = await c.query<Row[]>(sql, [db]);
  return rows.map((r) => ({ name: String(r.name), kind: r.kind === undefined ? undefined : String(r.kind) }));
}

async function showCreate(c: Connection, db: string, kind: ObjectKind, name: string): Promise<DbObject> {
  const [rows] = await c.query<Row[]>(`SHOW CREATE ${kind} ${quoteIdent(db)}.${quoteIdent(name)}`);
  const create = rows[0]?.[CREATE_COLUMN[kind]];
  if (typeof create !== 'string') throw new Error(`SHOW CREATE ${kind} ${db}.${name} returned no definition (missing privileges?)`);
  const sqlMode = rows[0].sql_mode;
  return { kind, name, create, sqlMode: typeof sqlMode === 'string' ? sqlMode : undefined };
}

/** Lists what `db` holds. */
export async function readContents(c: Connection, db: string): Promise<DbContents> {
  const tables = await names(c, `SELECT TABLE_NAME AS name, TABLE_TYPE AS kind FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, db);
  const routines = await names(c, `SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS kind FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_NAME`, db);
  const triggers = await names(c, `SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY ACTION_ORDER, TRIGGER_NAME`, db);
  const events = await names(c, `SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME`, db);
  const wanted: Array<[ObjectKind, string]> = [
    ...tables.filter((t) => t.kind === 'VIEW').map((t): [ObjectKind, string] => ['VIEW', t.name]),
    ...routines.map((r): [ObjectKind, string] => [r.kind === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE', r.name]),
    ...triggers.map((t): [ObjectKind, string] => ['TRIGGER', t.name]),
    ...events.map((e): [ObjectKind, string] => ['EVENT', e.name]),
  ];
  const objects: DbObject[] = [];
  for (const [kind, name] of wanted) objects.push(await showCreate(c, db, kind, name));
  return { tables: tables.filter((t) => t.kind !== 'VIEW').map((t) => t.name), objects };
}

/** Drops the given objects of `db`. */
export async function dropObjects(c: Connection, db: string, objects: DbObject[]): Promise<void> {
  for (const o of objects) await c.query(`DROP ${o.kind} IF EXISTS ${quoteIdent(db)}.${quoteIdent(o.name)}`);
}

/**
 * Creates `objects` in `db`. Views are stored with database-qualified names, so references to `fromDb`
 * (the staging database they were read from) are rewritten to `db`: the staging name is random, so the
 * rewrite cannot hit anything else. Views that depend on views not created yet are retried until no
 * further progress is made.
 */
export async function createObjects(c: Connection, db: string, objects: DbObject[], fromDb?: string): Promise<void> {
  const [[{ mode }]] = await c.query<Row[]>('SELECT @@SESSION.sql_mode AS mode');
  await c.query(`USE ${quoteIdent(db)}`);
  try {
    let pending = objects;
    while (pending.length > 0) {
      const failed: Array<{ o: DbObject; err: unknown }> = [];
      for (const o of pending) {
        await c.query('SET SESSION sql_mode = ?', [o.sqlMode ?? mode]);
        const text = fromDb ? o.create.split(`${quoteIdent(fromDb)}.`).join(`${quoteIdent(db)}.`) : o.create;
        await c.query(text).catch((err: unknown) => failed.push({ o, err }));
      }
      if (failed.length === pending.length) {
        const { o, err } = failed[0];
        throw new Error(`creating ${o.kind} ${o.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      pending = failed.map((f) => f.o);
    }
  } finally {
    await c.query('SET SESSION sql_mode = ?', [mode]).catch(() => undefined);
  }
}
