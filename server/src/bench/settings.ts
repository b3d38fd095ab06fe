/**
 * Where the benchmark keeps its cache and which server it measures. Everything lives under `.bench/` at the
 * repository root (ignored by git, removed by `make clean`), so a second run reuses the generated data;
 * only the S3 case makes its store and MinIO's data afresh in a temp directory, removed after the run.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode, MmBackupError } from '../common/errors';
import { parseServerUrl, type DbServer } from '../demo/db-endpoint';

export interface BenchSettings {
  repoRoot: string;
  benchDir: string;
  /** The PostgreSQL server, as a URL (BENCH_DB_URL). */
  serverUrl: string;
  server: DbServer;
  /** The cached Mattermost-shaped database (BENCH_DB_NAME, default mmbackup_bench). */
  database: string;
  /** Bulk posts to generate (BENCH_POSTS). */
  posts: number;
  /** Scratch databases for the two restores; dropped after use. */
  pgRestoreDb: string;
  mmRestoreDb: string;
  /** Bytes of the generated file store (BENCH_FILE_BYTES). */
  fileStoreBytes: number;
  /** How many times each backup measurement runs; the median is reported (BENCH_ROUNDS, default 3). */
  rounds: number;
  /** Also profile one extra `backup --only db` with --cpu-prof (BENCH_CPU_PROF=1). */
  cpuProfile: boolean;
  /** Run the S3 case against MinIO (default; BENCH_S3=0 skips it). */
  s3: boolean;
  /** Files in the S3 case's store (BENCH_S3_FILES, default 10,000: 1,093 MiB). */
  s3Files: number;
  /** Where the S3 case's temp directory (store, MinIO data) goes: os.tmpdir(), so $TMPDIR moves it. */
  s3TempParent: string;
}

/**
 * Measured on PostgreSQL 15 with the demo generator: 200,000 posts make a 185 MB database (7.7 MB of it
 * fixed), about 890 bytes per post with indexes, so 1,200,000 posts give pg_database_size of about 1 GiB.
 */
const DEFAULT_POSTS = 1_200_000;
const DEFAULT_FILE_BYTES = 1024 ** 3;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new MmBackupError({ step: 'bench-settings', code: 'BENCH_BAD_NUMBER', exitCode: ExitCode.usage,
      message: `${name}=${raw} is not a positive integer`, fix: `unset ${name} or give a whole number such as 100000` });
  }
  return value;
}

/** The repository root: this file runs from server/dist/bench/, three levels below it. */
export function repoRoot(): string {
  return path.resolve(__dirname, '..', '..', '..');
}

export function benchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const root = repoRoot();
  const serverUrl = env.BENCH_DB_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const server = parseServerUrl(serverUrl);
  if (server.driver !== 'postgres') {
    throw new MmBackupError({ step: 'bench-settings', code: 'BENCH_NOT_POSTGRES', exitCode: ExitCode.usage,
      message: `BENCH_DB_URL must be a postgres:// URL, got a ${server.driver} URL`, fix: 'the benchmark compares against pg_dump: point it at PostgreSQL' });
  }
  return {
    repoRoot: root,
    benchDir: path.join(root, '.bench'),
    serverUrl,
    server,
    database: env.BENCH_DB_NAME || 'mmbackup_bench',
    posts: positiveInt('BENCH_POSTS', env.BENCH_POSTS, DEFAULT_POSTS),
    pgRestoreDb: `${env.BENCH_DB_NAME || 'mmbackup_bench'}_pg_restore`,
    mmRestoreDb: `${env.BENCH_DB_NAME || 'mmbackup_bench'}_mm_restore`,
    fileStoreBytes: positiveInt('BENCH_FILE_BYTES', env.BENCH_FILE_BYTES, DEFAULT_FILE_BYTES),
    rounds: positiveInt('BENCH_ROUNDS', env.BENCH_ROUNDS, 3),
    cpuProfile: env.BENCH_CPU_PROF === '1',
    s3: env.BENCH_S3 !== '0',
    s3Files: positiveInt('BENCH_S3_FILES', env.BENCH_S3_FILES, 10_000),
    s3TempParent: os.tmpdir(),
  };
}

/** The server URL with another database in its path; query parameters (sslmode, host=socket) are kept. */
export function databaseUrl(settings: BenchSettings, database: string): string {
  const url = new URL(settings.serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/**
 * libpq's environment for pg_dump / pg_restore: the password travels here, never on the command line.
 * The database is passed with -d.
 */
export function libpqEnv(settings: BenchSettings): NodeJS.ProcessEnv {
  const { host, port, user, password } = settings.server;
  const env: NodeJS.ProcessEnv = { ...process.env, PGHOST: host, PGPORT: String(port), PGUSER: user };
  if (password !== undefined) env.PGPASSWORD = password;
  else delete env.PGPASSWORD;
  const sslmode = new URL(settings.serverUrl).searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}
