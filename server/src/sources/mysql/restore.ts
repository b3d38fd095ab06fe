/**
 * Restoring a MySQL/MariaDB dump. DDL auto-commits in MySQL, so one transaction cannot protect the
 * target: the dump is loaded into a new staging database by the mariadb/mysql client, and only when that
 * succeeded are its tables swapped into the target (./swap.ts). A failure drops the staging database and
 * leaves the target exactly as it was. The target is created (utf8mb4) when it does not exist.
 */
import type { Readable } from 'node:stream';
import { isMmBackupError, MmBackupError } from '../../common/errors';
import type { Reporter } from '../../common/reporter';
import { redact } from '../../common/redact';
import type { DbConnection } from '../../mattermost/types';
import type { RestoreOptions, TargetState } from '../database';
import { endpoint, invalidDatabaseName, messageOf, targetNotEmpty, toolFailed, toolMissing } from '../shared/errors';
import { feedTool } from '../shared/feed';
import { startTool } from '../shared/tool-process';
import type { RowDataPacket } from 'mysql2';
import { connect, quoteIdent, serverInfo, toolEnv, withConnection, writeDefaultsFile, type Connection } from './connection';
import { sideDatabaseName, swapIn } from './swap';
import { mysqlClientPackage, selectMysqlTool } from './tools';

const STEP = 'restore-db';
const SYSTEM_DATABASES = ['mysql', 'information_schema', 'performance_schema', 'sys'];

async function inspectWith(c: Connection, db: string): Promise<TargetState> {
  const [schemas] = await c.query<RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db]);
  if (schemas.length === 0) return { exists: false, tables: 0 };
  const [rows] = await c.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [db]);
  return { exists: true, tables: Number(rows[0].n) };
}

/** Whether the database exists and how many tables/views it holds. */
export function inspectMysql(conn: DbConnection, step = 'inspect-db'): Promise<TargetState> {
  return withConnection(conn, step, (c) => inspectWith(c, conn.database), null);
}

/** Drops the database. Refuses empty and system names. */
export async function dropMysqlDatabase(conn: DbConnection, step = 'drop-db'): Promise<void> {
  if (!conn.database) throw invalidDatabaseName(step, conn.database, 'no database name given');
  if (SYSTEM_DATABASES.includes(conn.database.toLowerCase())) throw invalidDatabaseName(step, conn.database, 'it is a system database');
  await withConnection(conn, step, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(conn.database)}`), null);
}

/** See the file comment. Rejects TARGET_NOT_EMPTY (exit code 2) for a non-empty target without `replace`. */
export async function restoreMysql(conn: DbConnection, sql: Readable, options: RestoreOptions, reporter: Reporter): Promise<void> {
  const admin = await connect(conn, STEP, null);
  try {
    const state = await inspectWith(admin, conn.database);
    if (state.exists && state.tables > 0 && !options.replace) throw targetNotEmpty(STEP, conn, state.tables);
    const { mariadb } = await serverInfo(admin);
    const staging = sideDatabaseName(conn.database, 'restore');
    await createDatabase(admin, conn, staging);
    try {
      await loadInto(conn, staging, sql, mariadb, options, reporter);
      if (!state.exists) await createDatabase(admin, conn, conn.database);
      await swapIn(admin, staging, conn.database, reporter);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(staging)}`).catch((e) => reporter.warn(redact(`could not drop the staging database "${staging}": ${messageOf(e)}`)));
    }
  } finally {
    admin.destroy();
  }
}

async function createDatabase(c: Connection, conn: DbConnection, name: string): Promise<void> {
  try {
    await c.query(`CREATE DATABASE ${quoteIdent(name)} CHARACTER SET utf8mb4`);
  } catch (err) {
    throw new MmBackupError({
      step: STEP,
      code: 'CREATE_DB_FAILED',
      message: redact(`cannot create database "${name}" on ${endpoint(conn)}: ${messageOf(err)}`),
      fix: redact(
        `restore as a user that may create databases, or grant it: GRANT ALL ON \`${conn.database}\`.* TO '${conn.user}'@'%'; GRANT ALL ON \`${conn.database.replace(/_/g, '\\_')}\\_\\_mmbackup\\_%\`.* TO '${conn.user}'@'%' (the restore goes through a staging database and swaps it in)`,
      ),
      cause: err,
    });
  }
}

/** Pipes the dump into the mariadb/mysql client, connected to `database`. */
async function loadInto(conn: DbConnection, database: string, sql: Readable, mariadb: boolean, { ownsInput }: RestoreOptions, reporter: Reporter): Promise<void> {
  const client = await selectMysqlTool('client', mariadb, STEP);
  reporter.info(redact(`loading the dump into staging database "${database}" with ${client.version.text}`));
  const defaults = await writeDefaultsFile(conn, client.maria);
  try {
    const proc = startTool(client.path, [`--defaults-extra-file=${defaults.path}`, '--default-character-set=utf8mb4', `--database=${database}`], {
      env: toolEnv(),
      stdin: 'pipe',
      stdout: 'ignore',
    });
    const { exit, inputError } = await feedTool(sql, proc, { ownsInput });
    if (inputError) throw readFailure(inputError, conn);
    if (exit.spawnError) throw toolMissing(STEP, 'RESTORE_TOOL_MISSING', client.path, mysqlClientPackage(mariadb), exit.spawnError);
    if (exit.code !== 0) {
      throw toolFailed(STEP, 'RESTORE_FAILED', client.version.text, exit, proc.stderr.tail, `nothing was changed in "${conn.database}" (the dump went into a staging database, now dropped); fix the cause named above and restore again`);
    }
  } finally {
    await defaults.remove();
  }
}

function readFailure(err: unknown, conn: DbConnection): MmBackupError {
  if (isMmBackupError(err)) return err;
  return new MmBackupError({
    step: STEP,
    code: 'RESTORE_INPUT_FAILED',
    message: redact(`reading the dump failed: ${messageOf(err)}; nothing was changed in "${conn.database}"`),
    cause: err,
  });
}
