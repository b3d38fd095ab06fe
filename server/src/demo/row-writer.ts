/**
 * One small SQL interface over pg and mysql2 for the generators, and batched multi-row INSERTs. Rows are
 * objects keyed by the schema's CamelCase column names and are turned into the dialect's column order here,
 * so a generator never depends on which database it fills.
 */
import type { Client } from 'pg';
import type mysql from 'mysql2/promise';
import { type Dialect, sqlName, tableSpec } from './mattermost-schema';

export type Value = string | number | boolean | null | Buffer;
export type Row = Record<string, Value>;

/** A connected database session. `exec` runs one statement; `rows` returns its result rows. */
export interface SqlRunner {
  readonly dialect: Dialect;
  exec(sql: string, params?: unknown[]): Promise<void>;
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export function postgresRunner(client: Client): SqlRunner {
  return {
    dialect: 'postgres',
    exec: async (sql, params) => { await client.query(sql, params); },
    rows: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    close: () => client.end(),
  };
}

export function mysqlRunner(conn: mysql.Connection): SqlRunner {
  return {
    dialect: 'mysql',
    exec: async (sql, params) => { await conn.query(sql, params); },
    rows: async <T>(sql: string, params?: unknown[]) => (await conn.query(sql, params))[0] as T[],
    close: () => conn.end(),
  };
}

/** PostgreSQL allows 65535 bind parameters per statement; stay below it. */
const PG_MAX_PARAMS = 60_000;
/** Rows per INSERT: large enough to amortize round trips, small enough for max_allowed_packet (16 MB). */
const MAX_ROWS_PER_INSERT = 1000;

/**
 * Inserts rows into a table in multi-row INSERT batches and returns how many rows were written. Accepts any
 * iterable, so a generator can stream millions of rows without holding them. Every row must carry every
 * column of the table except a serial one (left to the database).
 */
export async function insertRows(db: SqlRunner, tableName: string, rows: Iterable<Row>, onBatch?: (n: number) => void): Promise<number> {
  const spec = tableSpec(tableName);
  const columns = spec.columns.filter((c) => c.type !== 'serial').map((c) => c.name);
  const perInsert = Math.min(MAX_ROWS_PER_INSERT, Math.floor(PG_MAX_PARAMS / columns.length));
  let batch: Value[][] = [];
  let total = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await insertBatch(db, tableName, columns, batch);
    total += batch.length;
    onBatch?.(batch.length);
    batch = [];
  };
  for (const row of rows) {
    batch.push(columns.map((c) => {
      const v = row[c];
      if (v === undefined) throw new Error(`${tableName}.${c} missing from a generated row`);
      return v;
    }));
    if (batch.length >= perInsert) await flush();
  }
  await flush();
  return total;
}

async function insertBatch(db: SqlRunner, tableName: string, columns: string[], batch: Value[][]): Promise<void> {
  const d = db.dialect;
  const head = `INSERT INTO ${sqlName(d, tableName)} (${columns.map((c) => sqlName(d, c)).join(', ')}) VALUES `;
  if (d === 'mysql') {
    // mysql2 expands a nested array into (..),(..) with proper escaping (Buffers become X'..').
    await db.exec(`${head}?`, [batch]);
    return;
  }
  const tuples: string[] = [];
  let n = 0;
  for (const row of batch) tuples.push(`(${row.map(() => `$${++n}`).join(',')})`);
  await db.exec(head + tuples.join(','), batch.flat());
}
