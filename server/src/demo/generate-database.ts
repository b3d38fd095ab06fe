/**
 * Builds a Mattermost-shaped database for the demo, the integration tests and the benchmark.
 *
 * Steps: recreate the database, create enum types and tables (primary keys only), load the directory and the
 * small tables, load posts with attachments (their FileInfo rows are returned so the file store can be made
 * to match), load the bulk posts (server-side on PostgreSQL), then derive channel statistics, punch gaps into
 * the serial table, build the secondary and full-text indexes and the foreign keys, and VACUUM ANALYZE.
 * Indexes and foreign keys come last because building them once is several times faster than maintaining
 * them row by row; the result is the same.
 */
import { MmBackupError, ExitCode, asMmBackupError } from '../common/errors';
import {
  type DbEndpoint, type DbServer, mattermostDataSource, openMysql, openPostgres, parseServerUrl,
} from './db-endpoint';
import {
  type Dialect, TABLES, STANDALONE_SEQUENCE, createTableSql, foreignKeySql, indexSql, preambleSql, quoteIdent, sqlName,
} from './mattermost-schema';
import { type SqlRunner, insertRows, mysqlRunner, postgresRunner } from './row-writer';
import { generateDirectory } from './rows-people';
import { EVENTLOG_DELETED, MATTERMOST_VERSION, SCHEMA_VERSION, generateSystemRows } from './rows-system';
import { type GeneratedFile, bulkPostBatches, generateAttachments } from './rows-content';
import { loadPostgresPosts } from './postgres-posts';

export type { GeneratedFile } from './rows-content';

export interface GenerateDatabaseOptions {
  driver: Dialect;
  /** The server, as a URL: postgres://user:pass@host:port[/maintenance-db] or mysql://user:pass@host:port. */
  connectionUrl?: string;
  /** The server, as an endpoint (a DbConnection fits); used when connectionUrl is not given. */
  connection?: DbServer;
  /** Database to create; an existing one of that name is dropped first. */
  database: string;
  /** Default 40. */
  users?: number;
  /** Default 3. */
  teams?: number;
  /** Default 6 (plus direct and group message channels). */
  channelsPerTeam?: number;
  /** Total posts, including those carrying attachments. */
  posts: number;
  /** FileInfo rows; default min(200, ceil(posts / 20)). */
  files?: number;
  /** Default 1. The same options and seed give the same rows, byte for byte. */
  seed?: number;
  /** Build the full-text index on posts (GIN / FULLTEXT); default true. Costs about a third of the load time. */
  fullTextIndex?: boolean;
  /** Progress in rows of posts and files: called with (done, total) after every batch. */
  onProgress?(done: number, total: number): void;
}

export interface GeneratedDatabaseSummary {
  driver: Dialect;
  database: string;
  /** The created database, ready for compareDatabases() or a DbConnection. */
  connection: DbEndpoint;
  /** SqlSettings.DataSource for a config.json pointing at it. */
  dataSource: string;
  seed: number;
  /** Systems.Version */
  mattermostVersion: string;
  /** max(db_migrations.version) */
  schemaVersion: number;
  /** Exact row count per table, named as in the database. */
  tables: Record<string, number>;
  /** Every FileInfo row (deleted ones too), for generateFileStore(). */
  files: GeneratedFile[];
  durationMs: number;
}

const STEP = 'demo-generate-db';

function resolveServer(opts: GenerateDatabaseOptions): DbServer {
  if (opts.connectionUrl) {
    const parsed = parseServerUrl(opts.connectionUrl);
    if (parsed.driver !== opts.driver) {
      throw new MmBackupError({ step: STEP, code: 'DEMO_DRIVER_MISMATCH', exitCode: ExitCode.usage,
        message: `driver is ${opts.driver} but the URL is a ${parsed.driver} URL`, fix: 'pass a URL of the same kind as the driver' });
    }
    return parsed;
  }
  if (opts.connection) return opts.connection;
  throw new MmBackupError({ step: STEP, code: 'DEMO_NO_SERVER', exitCode: ExitCode.usage,
    message: 'no database server given', fix: 'pass connectionUrl or connection' });
}

function checkSize(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new MmBackupError({ step: STEP, code: 'DEMO_BAD_SIZE', exitCode: ExitCode.usage,
      message: `${name} must be an integer >= ${min}, got ${value}` });
  }
  return value;
}

/** A session that can drop and create `database`: never one connected to that database itself. */
async function openAdmin(driver: Dialect, server: DbServer, database: string): Promise<SqlRunner> {
  if (driver === 'mysql') return mysqlRunner(await openMysql({ ...server, database: undefined }));
  const maintenance = !server.database || server.database === database ? 'postgres' : server.database;
  return postgresRunner(await openPostgres({ ...server, database: maintenance }));
}

/** Drops (when present) and creates the database, in UTF-8 / utf8mb4 like Mattermost requires. */
async function recreateDatabase(driver: Dialect, server: DbServer, database: string): Promise<void> {
  const name = quoteIdent(driver, database);
  const admin = await openAdmin(driver, server, database);
  try {
    if (driver === 'postgres') {
      await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.exec(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
    } else {
      await admin.exec(`DROP DATABASE IF EXISTS ${name}`);
      await admin.exec(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    }
  } finally {
    await admin.close();
  }
}

async function openDatabase(driver: Dialect, endpoint: DbEndpoint): Promise<SqlRunner> {
  if (driver === 'mysql') return mysqlRunner(await openMysql(endpoint));
  const db = postgresRunner(await openPostgres(endpoint));
  // A generated database can be regenerated: durability of each commit does not matter, speed does.
  await db.exec('SET synchronous_commit = off');
  await db.exec(`SET maintenance_work_mem = '512MB'`);
  return db;
}

/** Channel counters as Mattermost keeps them, derived from the loaded posts. */
function channelStatsSql(d: Dialect): string {
  if (d === 'postgres') {
    return `UPDATE channels c SET totalmsgcount = s.n, totalmsgcountroot = s.r, lastpostat = s.last, lastrootpostat = coalesce(s.lastroot, 0)
      FROM (SELECT channelid, count(*) AS n, count(*) FILTER (WHERE rootid = '') AS r, max(createat) AS last,
                   max(createat) FILTER (WHERE rootid = '') AS lastroot
            FROM posts WHERE deleteat = 0 GROUP BY channelid) s WHERE s.channelid = c.id`;
  }
  return `UPDATE Channels c JOIN (SELECT ChannelId, COUNT(*) AS n, SUM(RootId = '') AS r, MAX(CreateAt) AS last,
      MAX(CASE WHEN RootId = '' THEN CreateAt END) AS lastroot FROM Posts WHERE DeleteAt = 0 GROUP BY ChannelId) s
    ON s.ChannelId = c.Id SET c.TotalMsgCount = s.n, c.TotalMsgCountRoot = s.r, c.LastPostAt = s.last,
      c.LastRootPostAt = COALESCE(s.lastroot, 0)`;
}

async function finish(db: SqlRunner, fullText: boolean): Promise<void> {
  const d = db.dialect;
  await db.exec(channelStatsSql(d));
  await db.exec(`DELETE FROM ${sqlName(d, 'EventLog')} WHERE ${sqlName(d, 'Seq')} IN (${EVENTLOG_DELETED.join(', ')})`);
  if (d === 'postgres') await db.exec(`SELECT nextval('${STANDALONE_SEQUENCE.name}') FROM generate_series(1, 3)`);
  for (const t of TABLES) {
    for (const sql of indexSql(d, { ...t, indexes: t.indexes.filter((ix) => fullText || !ix.fullText) })) await db.exec(sql);
  }
  for (const t of TABLES) for (const sql of foreignKeySql(d, t)) await db.exec(sql);
  if (d === 'postgres') await db.exec('VACUUM ANALYZE');
}

async function countRows(db: SqlRunner): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of TABLES) {
    const name = sqlName(db.dialect, t.name);
    const [row] = await db.rows<{ n: string | number }>(`SELECT count(*) AS n FROM ${name}`);
    counts[name] = Number(row.n);
  }
  return counts;
}

async function load(db: SqlRunner, opts: GenerateDatabaseOptions, seed: number, sizes: { users: number; teams: number; channelsPerTeam: number; files: number }): Promise<GeneratedFile[]> {
  const total = opts.posts + sizes.files;
  let done = 0;
  const progress = (n: number) => { done += n; opts.onProgress?.(done, total); };
  for (const sql of preambleSql(db.dialect)) await db.exec(sql);
  for (const t of TABLES) await db.exec(createTableSql(db.dialect, t));
  const dir = generateDirectory(seed, sizes);
  for (const [table, rows] of Object.entries({ ...dir.rows, ...generateSystemRows(seed, dir) })) await insertRows(db, table, rows);
  const attachments = generateAttachments(seed, dir, sizes.files, opts.posts);
  await insertRows(db, 'Posts', attachments.posts);
  await insertRows(db, 'FileInfo', attachments.fileInfo);
  await insertRows(db, 'Reactions', attachments.reactions);
  progress(attachments.posts.length + attachments.files.length);
  const bulk = opts.posts - attachments.posts.length;
  if (db.dialect === 'postgres') {
    await loadPostgresPosts(db, seed, dir, bulk, progress);
  } else {
    for (const batch of bulkPostBatches(seed, dir, bulk, 2000)) {
      await insertRows(db, 'Posts', batch.posts);
      await insertRows(db, 'Reactions', batch.reactions);
      progress(batch.posts.length);
    }
  }
  await finish(db, opts.fullTextIndex ?? true);
  return attachments.files;
}

/**
 * Creates `opts.database` (dropping an existing one) and fills it with a Mattermost-shaped installation.
 * Rejects with an MmBackupError (step "demo-generate-db"); a failure can leave a partial database, which the
 * next call drops.
 */
export async function generateDatabase(opts: GenerateDatabaseOptions): Promise<GeneratedDatabaseSummary> {
  const started = Date.now();
  const server = resolveServer(opts);
  const seed = opts.seed ?? 1;
  const sizes = {
    users: checkSize('users', opts.users ?? 40, 1),
    teams: checkSize('teams', opts.teams ?? 3, 1),
    channelsPerTeam: checkSize('channelsPerTeam', opts.channelsPerTeam ?? 6, 1),
    files: checkSize('files', opts.files ?? Math.min(200, Math.ceil(opts.posts / 20)), 0),
  };
  checkSize('posts', opts.posts, 0);
  const endpoint: DbEndpoint = { host: server.host, port: server.port, user: server.user, password: server.password,
    database: opts.database, socket: server.socket };
  try {
    await recreateDatabase(opts.driver, server, opts.database);
    const db = await openDatabase(opts.driver, endpoint);
    try {
      const files = await load(db, opts, seed, sizes);
      return {
        driver: opts.driver, database: opts.database, connection: endpoint, dataSource: mattermostDataSource(opts.driver, endpoint),
        seed, mattermostVersion: MATTERMOST_VERSION, schemaVersion: SCHEMA_VERSION, tables: await countRows(db), files,
        durationMs: Date.now() - started,
      };
    } finally {
      await db.close();
    }
  } catch (err) {
    throw asMmBackupError(err, STEP, `check that ${opts.driver} at ${server.host}:${server.port} accepts user "${server.user}" with CREATE DATABASE rights`);
  }
}

/** Drops a database made by generateDatabase(); no error when it does not exist. */
export async function dropGeneratedDatabase(driver: Dialect, server: DbServer | string, database: string): Promise<void> {
  const s = typeof server === 'string' ? parseServerUrl(server) : server;
  const admin = await openAdmin(driver, s, database);
  try {
    await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(driver, database)}${driver === 'postgres' ? ' WITH (FORCE)' : ''}`);
  } finally {
    await admin.close();
  }
}
