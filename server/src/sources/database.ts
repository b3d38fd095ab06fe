/**
 * A database source dumps a Mattermost database online and consistently, and restores such a dump.
 * Implementations: ./postgres (pg_dump / psql) and ./mysql (mysqldump or mariadb-dump / mariadb).
 *
 * Consistency contract: `referencedFiles`, `tables` (row counts) and the versions are read in the same
 * database snapshot as the dump itself, so the file list matches the dumped fileinfo rows exactly.
 */
import type { Readable } from 'node:stream';
import type { DbConnection } from '../mattermost/types';
import type { Reporter } from '../common/reporter';

export interface DumpInfo {
  driver: 'postgres' | 'mysql';
  /** e.g. "PostgreSQL 15.20" or "MariaDB 10.11.19" */
  serverVersion: string;
  /** The tool and its version, e.g. "pg_dump 15.20" */
  dumpTool: string;
  format: 'plain-sql';
  /** Row count per table (table name as in the database) */
  tables: Record<string, number>;
  /** Systems.Version, when present */
  mattermostVersion?: string;
  /** max(db_migrations.version), when present */
  schemaVersion?: number;
}

export interface DatabaseDump {
  /** The dump (plain SQL), consumed exactly once. */
  sql: Readable;
  /** Paths of files referenced by non-deleted fileinfo rows (Path, ThumbnailPath, PreviewPath), non-empty, in the dump's snapshot. */
  referencedFiles: AsyncIterable<string>;
  /** Resolves when the dump tool exited successfully; rejects with an MmBackupError (step "dump-db"). */
  finished: Promise<DumpInfo>;
  /** Stops the dump tool and releases the snapshot; safe to call more than once. */
  abort(): void;
}

export interface TargetState {
  exists: boolean;
  /** Number of tables (or views) in the target database; 0 means empty. */
  tables: number;
}

export interface RestoreOptions {
  /** The target may hold data: replace it atomically (one transaction, or a new database swapped in). */
  replace: boolean;
  /** The input's buffers are the restore's: each is freed as soon as the client has it (a repository's blob). */
  ownsInput?: boolean;
}

export interface DatabaseDriver {
  readonly name: 'postgres' | 'mysql';
  dump(conn: DbConnection, reporter: Reporter): Promise<DatabaseDump>;
  /** Restores a dump made by dump(); creates the database when missing. A failure leaves the old data untouched. */
  restore(conn: DbConnection, sql: Readable, options: RestoreOptions, reporter: Reporter): Promise<void>;
  inspect(conn: DbConnection): Promise<TargetState>;
  dropDatabase(conn: DbConnection): Promise<void>;
  countRows(conn: DbConnection): Promise<Record<string, number>>;
  /** Bytes the database occupies on its server (tables and indexes): an upper bound for preflight estimates. */
  sizeOnServer(conn: DbConnection): Promise<number>;
  referencedFiles(conn: DbConnection): AsyncIterable<string>;
  /** Names of the databases on `conn`'s server that start with `prefix` (for drills' scratch databases). */
  listDatabases(conn: DbConnection, prefix: string): Promise<string[]>;
  /** The server's data directory as it reports it; undefined when it will not tell this user. */
  dataDirectory(conn: DbConnection): Promise<string | undefined>;
}
