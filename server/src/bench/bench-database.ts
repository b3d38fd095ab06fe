/**
 * The benchmark's database, generated once and reused: generating ~1 GB takes minutes, measuring it seconds.
 * A marker table inside the database records the generator parameters; a database whose marker differs
 * (other BENCH_POSTS, a newer generator) or that has none (a run killed mid-generation) is generated again.
 */
import type { Client } from 'pg';
import { openPostgres } from '../demo/db-endpoint';
import { generateDatabase } from '../demo/generate-database';
import { SCHEMA_VERSION } from '../demo/rows-system';
import type { BenchSettings } from './settings';

/** Bump when the generated content changes in a way that matters to the numbers. */
const GENERATOR_VERSION = 1;
const MARKER_TABLE = 'mmbackup_bench_marker';

export interface BenchDatabase {
  reused: boolean;
  posts: number;
  sizeBytes: number;
}

type Log = (line: string) => void;

function markerParams(settings: BenchSettings): string {
  return JSON.stringify({ generator: GENERATOR_VERSION, schema: SCHEMA_VERSION, posts: settings.posts, seed: 1 });
}

async function withClient<T>(settings: BenchSettings, database: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = await openPostgres({ ...settings.server, database });
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function databaseExists(settings: BenchSettings, database: string): Promise<boolean> {
  const maintenance = settings.server.database ?? 'postgres';
  return withClient(settings, maintenance, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1);
}

/** The marker's parameters, or undefined when the table is missing (an interrupted or foreign database). */
async function readMarker(settings: BenchSettings): Promise<string | undefined> {
  return withClient(settings, settings.database, async (c) => {
    const table = await c.query('SELECT to_regclass($1) AS t', [MARKER_TABLE]);
    if (!table.rows[0].t) return undefined;
    const res = await c.query<{ params: string }>(`SELECT params FROM ${MARKER_TABLE} LIMIT 1`);
    return res.rows[0]?.params;
  });
}

/** Written only after generation succeeded, so a killed run never leaves a database that looks complete. */
async function writeMarker(settings: BenchSettings): Promise<void> {
  await withClient(settings, settings.database, async (c) => {
    await c.query(`CREATE TABLE ${MARKER_TABLE} (params text NOT NULL, created timestamptz NOT NULL DEFAULT now())`);
    await c.query(`INSERT INTO ${MARKER_TABLE} (params) VALUES ($1)`, [markerParams(settings)]);
  });
}

export async function databaseSize(settings: BenchSettings, database: string): Promise<number> {
  return withClient(settings, settings.server.database ?? 'postgres', async (c) =>
    Number((await c.query<{ s: string }>('SELECT pg_database_size($1) AS s', [database])).rows[0].s));
}

/** Prints progress at most every 10 seconds: generation is long and its output goes to a log. */
function progressPrinter(log: Log): (done: number, total: number) => void {
  let last = 0;
  const started = Date.now();
  return (done, total) => {
    if (Date.now() - last < 10_000 && done < total) return;
    last = Date.now();
    log(`  generated ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} posts and files (${Math.round(((Date.now() - started) / 1000))} s)`);
  };
}

/** Reuses the cached database when its marker matches, else (re)generates it; resolves with its size. */
export async function ensureBenchDatabase(settings: BenchSettings, log: Log): Promise<BenchDatabase> {
  const wanted = markerParams(settings);
  const existing = (await databaseExists(settings, settings.database)) ? await readMarker(settings) : undefined;
  if (existing === wanted) {
    return { reused: true, posts: settings.posts, sizeBytes: await databaseSize(settings, settings.database) };
  }
  log(existing ? `database ${settings.database} was made with ${existing}; regenerating with ${wanted}`
    : `generating database ${settings.database} with ${settings.posts.toLocaleString('en-US')} posts (once; cached for later runs)`);
  const summary = await generateDatabase({
    driver: 'postgres', connection: settings.server, database: settings.database, posts: settings.posts, seed: 1,
    onProgress: progressPrinter(log),
  });
  log(`  indexes, foreign keys and VACUUM ANALYZE done; generation took ${(summary.durationMs / 1000).toFixed(0)} s`);
  await writeMarker(settings);
  return { reused: false, posts: settings.posts, sizeBytes: await databaseSize(settings, settings.database) };
}

/** Creates an empty scratch database (for pg_restore, which needs one to exist). */
export async function createScratchDatabase(settings: BenchSettings, database: string): Promise<void> {
  await dropScratchDatabase(settings, database);
  await withClient(settings, settings.server.database ?? 'postgres', (c) => c.query(`CREATE DATABASE "${database}" TEMPLATE template0 ENCODING 'UTF8'`));
}

export async function dropScratchDatabase(settings: BenchSettings, database: string): Promise<void> {
  await withClient(settings, settings.server.database ?? 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}
