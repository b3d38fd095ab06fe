/**
 * What we read from a Mattermost MySQL/MariaDB database besides the dump: exact row counts,
 * Systems.Version, the schema migration version and the file-store paths FileInfo references. Every
 * query runs on the caller's connection, so inside the dump's consistent-snapshot transaction they see
 * what the dump tool sees. Mattermost's MySQL tables are CamelCase (FileInfo, Systems) and table names
 * are case-sensitive on Linux, so names are looked up case-insensitively in information_schema; missing
 * tables or columns give undefined/empty results, never an error.
 */
import type { RowDataPacket } from 'mysql2';
import { coreOf, quoteIdent, type Connection } from './connection';

type Rows<T> = Array<T & RowDataPacket>;

/** Base tables of the current database (views and MariaDB sequences hold no rows of their own). */
export async function listTables(c: Connection): Promise<string[]> {
  const [rows] = await c.query<Rows<{ name: string }>>(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME`,
  );
  return rows.map((r) => r.name);
}

/** Exact row counts (COUNT(*), not information_schema estimates) of every table, keyed by its real name. */
export async function countRows(c: Connection): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of await listTables(c)) {
    const [rows] = await c.query<Rows<{ n: string | number }>>(`SELECT COUNT(*) AS n FROM ${quoteIdent(name)}`);
    counts[name] = Number(rows[0].n);
  }
  return counts;
}

interface FoundTable {
  name: string;
  /** lower-case column name → its real name */
  columns: Map<string, string>;
}

/** A table of the current database whose name matches case-insensitively (exact case preferred). */
async function findTable(c: Connection, name: string): Promise<FoundTable | undefined> {
  const [tables] = await c.query<Rows<{ name: string }>>(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND LOWER(TABLE_NAME) = LOWER(?) ORDER BY TABLE_NAME = ? DESC, TABLE_NAME LIMIT 1`,
    [name, name],
  );
  if (tables.length === 0) return undefined;
  const [cols] = await c.query<Rows<{ name: string }>>(
    'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [tables[0].name],
  );
  return { name: tables[0].name, columns: new Map(cols.map((r) => [r.name.toLowerCase(), r.name])) };
}

/** Systems.Version and MAX(db_migrations.Version), each when present. */
export async function readVersions(c: Connection): Promise<{ mattermostVersion?: string; schemaVersion?: number }> {
  const out: { mattermostVersion?: string; schemaVersion?: number } = {};
  const systems = await findTable(c, 'Systems');
  const [nameCol, valueCol] = [systems?.columns.get('name'), systems?.columns.get('value')];
  if (systems && nameCol && valueCol) {
    const [rows] = await c.query<Rows<{ v: string | null }>>(
      `SELECT ${quoteIdent(valueCol)} AS v FROM ${quoteIdent(systems.name)} WHERE ${quoteIdent(nameCol)} = 'Version'`,
    );
    if (rows[0]?.v) out.mattermostVersion = String(rows[0].v);
  }
  const migrations = await findTable(c, 'db_migrations');
  const versionCol = migrations?.columns.get('version');
  if (migrations && versionCol) {
    const [rows] = await c.query<Rows<{ v: string | number | null }>>(`SELECT MAX(${quoteIdent(versionCol)}) AS v FROM ${quoteIdent(migrations.name)}`);
    if (rows[0]?.v != null && Number.isFinite(Number(rows[0].v))) out.schemaVersion = Number(rows[0].v);
  }
  return out;
}

/** The SELECT listing Path, ThumbnailPath, PreviewPath of live (DeleteAt = 0) FileInfo rows; undefined without FileInfo. */
export async function fileQuery(c: Connection): Promise<string | undefined> {
  const fileinfo = await findTable(c, 'FileInfo');
  if (!fileinfo) return undefined;
  const cols = ['path', 'thumbnailpath', 'previewpath'].map((k) => fileinfo.columns.get(k)).filter((x): x is string => !!x);
  if (cols.length === 0) return undefined;
  const deleteAt = fileinfo.columns.get('deleteat');
  const live = deleteAt ? ` WHERE ${quoteIdent(deleteAt)} = 0` : '';
  return `SELECT ${cols.map(quoteIdent).join(', ')} FROM ${quoteIdent(fileinfo.name)}${live}`;
}

/**
 * Streams the non-empty values of `query` row by row (mysql2 pauses the socket when we fall behind), so
 * millions of rows never sit in memory. While it runs the connection can do nothing else; abandoning the
 * iteration leaves the connection unusable, so the caller then destroys it.
 */
export async function* streamValues(c: Connection, query: string): AsyncGenerator<string> {
  // While our consumer is slow the server waits to send; by default it gives up after 60 s.
  await c.query('SET SESSION net_write_timeout = 3600');
  const stream = coreOf(c).query({ sql: query, rowsAsArray: true }).stream({ highWaterMark: 1000 });
  for await (const row of stream as AsyncIterable<unknown[]>) {
    for (const v of row) {
      const s = Buffer.isBuffer(v) ? v.toString('utf8') : v;
      if (typeof s === 'string' && s !== '') yield s;
    }
  }
}

/** All referenced paths of the database `c` is connected to. */
export async function* referencedPaths(c: Connection): AsyncGenerator<string> {
  const query = await fileQuery(c);
  if (query) yield* streamValues(c, query);
}
