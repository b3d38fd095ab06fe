/**
 * The PostgreSQL side of compareDatabases(): catalog queries that render every schema object as text, and
 * row digests computed server-side from md5(row::text), so comparing a 1 GB database moves a few bytes.
 */
import type { Client } from 'pg';
import { openPostgres, type DbEndpoint } from './db-endpoint';
import type { DatabaseInventory, DbInspector, TableDigest } from './db-inspector';

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;

const COLUMNS_SQL = `
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
         || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
         || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
         || CASE WHEN a.attcollation NOT IN (0, 100) THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END,
         ', ' ORDER BY a.attnum) AS def
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS}
GROUP BY 1`;

const PRIMARY_KEYS_SQL = `
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, array_agg(quote_ident(a.attname) ORDER BY k.ord) AS cols
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
WHERE con.contype = 'p' AND ${USER_SCHEMAS}
GROUP BY 1`;

const SEQUENCES_SQL = `
SELECT schemaname || '.' || sequencename AS name,
       format('%s start %s increment %s min %s max %s cycle %s last_value %s', data_type, start_value, increment_by,
              min_value, max_value, cycle, coalesce(last_value::text, 'unused')) AS def
FROM pg_sequences`;

const INDEXES_SQL = `
SELECT schemaname || '.' || tablename || '.' || indexname AS name, indexdef AS def
FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`;

const CONSTRAINTS_SQL = `
SELECT n.nspname || '.' || c.relname || '.' || con.conname AS name, pg_get_constraintdef(con.oid) AS def
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${USER_SCHEMAS}`;

/** Enum types, views, functions (not from extensions), triggers and extensions, each as "kind name". */
const OBJECTS_SQL = `
SELECT 'enum ' || n.nspname || '.' || t.typname AS name, string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) AS def
FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace GROUP BY 1
UNION ALL
SELECT 'view ' || schemaname || '.' || viewname, definition FROM pg_views WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', md5(pg_get_functiondef(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE ${USER_SCHEMAS} AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = p.oid AND dep.deptype = 'e')
UNION ALL
SELECT 'trigger ' || tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT 'extension ' || extname, extversion FROM pg_extension`;

async function named(client: Client, sql: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; def: string }>(sql);
  return new Map(rows.map((r) => [r.name, r.def]));
}

class PostgresInspector implements DbInspector {
  constructor(private readonly client: Client) {}

  async inventory(): Promise<DatabaseInventory> {
    const pks = await this.client.query<{ name: string; cols: string[] }>(PRIMARY_KEYS_SQL);
    return {
      tables: await named(this.client, COLUMNS_SQL),
      primaryKeys: new Map(pks.rows.map((r) => [r.name, r.cols])),
      sequences: await named(this.client, SEQUENCES_SQL),
      indexes: await named(this.client, INDEXES_SQL),
      constraints: await named(this.client, CONSTRAINTS_SQL),
      objects: await named(this.client, OBJECTS_SQL),
    };
  }

  /** `table` is already quoted (schema.table) by COLUMNS_SQL. */
  async tableDigest(table: string): Promise<TableDigest> {
    const { rows } = await this.client.query<{ n: string; s1: string; s2: string }>(
      `SELECT count(*) AS n,
              coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)::text AS s1,
              coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::bigint), 0)::text AS s2
       FROM (SELECT md5(mmb_row::text) AS h FROM ${table} mmb_row) x`);
    return { rows: Number(rows[0].n), hash: `${rows[0].s1}:${rows[0].s2}` };
  }

  async rowHashes(table: string, primaryKey: string[]): Promise<Map<string, string>> {
    const key = primaryKey.map((c) => `mmb_row.${c}::text`).join(`, `);
    const { rows } = await this.client.query<{ k: string; h: string }>(
      `SELECT concat_ws(', ', ${key}) AS k, md5(mmb_row::text) AS h FROM ${table} mmb_row`);
    return new Map(rows.map((r) => [r.k, r.h]));
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

export async function openPostgresInspector(endpoint: DbEndpoint): Promise<DbInspector> {
  const client = await openPostgres(endpoint);
  // Row text must not depend on session settings that differ between the two sides.
  await client.query(`SET extra_float_digits = 3; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; SET bytea_output = 'hex'`);
  return new PostgresInspector(client);
}
