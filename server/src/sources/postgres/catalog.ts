/**
 * What we read from a Mattermost PostgreSQL database besides the dump: exact row counts, Systems.Version,
 * the schema migration version, and the file-store paths that fileinfo references. Every query here runs
 * on the caller's client, so inside the dump's snapshot transaction they all see what pg_dump sees.
 * Nothing here may raise an SQL error for a missing table or column (that would abort the snapshot
 * transaction): the catalog is asked first, and absent tables give undefined/empty results.
 */
import type { Client } from 'pg';
import { quoteIdent } from './connection';

/** Schemas that are PostgreSQL's own; everything else is user data. */
const USER_SCHEMAS = `n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;

export interface TableRef {
  schema: string;
  name: string;
}

/** The key of a table in row-count maps: the bare name in `public` (Mattermost's home), schema.name elsewhere. */
export function tableKey(t: TableRef): string {
  return t.schema === 'public' ? t.name : `${t.schema}.${t.name}`;
}

function qualified(t: TableRef): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

/** Ordinary and partitioned tables in user schemas (partitions are counted through their parent). */
export async function listUserTables(client: Client): Promise<TableRef[]> {
  const res = await client.query<TableRef>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS}
      ORDER BY 1, 2`,
  );
  return res.rows;
}

/** Number of tables, views, materialized views and foreign tables in user schemas: 0 means empty. */
export async function countRelations(client: Client): Promise<number> {
  const res = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMAS}`,
  );
  return Number(res.rows[0].n);
}

/** Exact row counts (count(*), not estimates) of every user table. */
export async function countRows(client: Client): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of await listUserTables(client)) {
    const res = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(t)}`);
    counts[tableKey(t)] = Number(res.rows[0].n);
  }
  return counts;
}

/** A table found through search_path, with its lower-case column names; undefined when absent. */
async function findTable(client: Client, name: string): Promise<{ ref: TableRef; columns: Set<string> } | undefined> {
  const res = await client.query<{ schema: string; name: string; columns: string[] }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            array(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [name],
  );
  const row = res.rows[0];
  return row ? { ref: { schema: row.schema, name: row.name }, columns: new Set(row.columns) } : undefined;
}

/** Systems.Version and max(db_migrations.version), each when present. */
export async function readVersions(client: Client): Promise<{ mattermostVersion?: string; schemaVersion?: number }> {
  const out: { mattermostVersion?: string; schemaVersion?: number } = {};
  const systems = await findTable(client, 'systems');
  if (systems?.columns.has('name') && systems.columns.has('value')) {
    const res = await client.query<{ value: string | null }>(`SELECT value FROM ${qualified(systems.ref)} WHERE name = 'Version'`);
    if (res.rows[0]?.value) out.mattermostVersion = res.rows[0].value;
  }
  const migrations = await findTable(client, 'db_migrations');
  if (migrations?.columns.has('version')) {
    const res = await client.query<{ v: string | null }>(`SELECT max(version)::text AS v FROM ${qualified(migrations.ref)}`);
    if (res.rows[0]?.v != null && Number.isFinite(Number(res.rows[0].v))) out.schemaVersion = Number(res.rows[0].v);
  }
  return out;
}

/** The SELECT that lists the referenced paths of live (deleteat = 0) fileinfo rows; undefined without fileinfo. */
export async function fileQuery(client: Client): Promise<string | undefined> {
  const fileinfo = await findTable(client, 'fileinfo');
  if (!fileinfo) return undefined;
  const cols = ['path', 'thumbnailpath', 'previewpath'].filter((c) => fileinfo.columns.has(c));
  if (cols.length === 0) return undefined;
  const live = fileinfo.columns.has('deleteat') ? ' WHERE deleteat = 0' : '';
  return `SELECT ${cols.map(quoteIdent).join(', ')} FROM ${qualified(fileinfo.ref)}${live}`;
}

/**
 * Streams the non-empty values of `query` through a server-side cursor, `batch` rows at a time, so that
 * millions of rows never sit in memory. Must run inside a transaction (the dump's, or the caller's).
 */
export async function* cursorValues(client: Client, query: string, batch = 2000): AsyncGenerator<string> {
  await client.query(`DECLARE mmbackup_files NO SCROLL CURSOR FOR ${query}`);
  try {
    for (;;) {
      const res = await client.query<unknown[]>({ text: `FETCH ${batch} FROM mmbackup_files`, rowMode: 'array' });
      for (const row of res.rows) for (const v of row) if (typeof v === 'string' && v !== '') yield v;
      if (res.rows.length < batch) return;
    }
  } finally {
    await client.query('CLOSE mmbackup_files').catch(() => undefined);
  }
}

/** All referenced paths of the database `client` is connected to, as `cursorValues` yields them. */
export async function* referencedPaths(client: Client): AsyncGenerator<string> {
  const query = await fileQuery(client);
  if (query) yield* cursorValues(client, query);
}
