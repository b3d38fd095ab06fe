/**
 * Restoring a plain-SQL dump with psql in ONE transaction (--single-transaction, ON_ERROR_STOP): either
 * everything is restored or nothing changed. Replacing a non-empty database works the same way: the
 * statements that drop the old schemas are prepended to the dump inside that transaction, so the old data
 * disappears only when the whole restore commits. A database we created ourselves is dropped again when
 * the restore fails.
 */
import type { Readable } from 'node:stream';
import type { Client } from 'pg';
import { isMmBackupError, MmBackupError } from '../../common/errors';
import type { Reporter } from '../../common/reporter';
import { redact } from '../../common/redact';
import type { DbConnection } from '../../mattermost/types';
import type { RestoreOptions, TargetState } from '../database';
import { endpoint, invalidDatabaseName, messageOf, targetNotEmpty, toolFailed, toolMissing } from '../shared/errors';
import { feedTool } from '../shared/feed';
import { startTool } from '../shared/tool-process';
import { countRelations } from './catalog';
import { connect, connectMaintenance, quoteIdent, serverVersion, toolEnv, withClient, writePgPass } from './connection';
import { clientPackage, selectPsql } from './tools';

const STEP = 'restore-db';

/**
 * Prepended when replacing: drop every user schema with its contents, then recreate an empty `public`
 * shaped like PostgreSQL's default (usable by everyone, owned by pg_database_owner where that role exists
 * and we may hand it over). Runs inside psql's single transaction, so a later failure rolls it back.
 */
export const REPLACE_PREAMBLE = `
DO $mmbackup$
DECLARE s name;
BEGIN
  FOR s IN SELECT nspname FROM pg_catalog.pg_namespace
            WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%'
  LOOP
    EXECUTE pg_catalog.format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END
$mmbackup$;
CREATE SCHEMA public;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';
DO $mmbackup$
BEGIN
  ALTER SCHEMA public OWNER TO pg_database_owner;
EXCEPTION WHEN OTHERS THEN NULL; -- before PostgreSQL 14, or not the database owner: keep ours
END
$mmbackup$;
`;

/** Whether the database exists and how many tables/views it holds. */
export async function inspectPostgres(conn: DbConnection, step = 'inspect-db'): Promise<TargetState> {
  let client: Client;
  try {
    client = await connect(conn, step);
  } catch (err) {
    if (isMmBackupError(err) && err.code === 'DB_NOT_FOUND') return { exists: false, tables: 0 };
    throw err;
  }
  try {
    return { exists: true, tables: await countRelations(client) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** CREATE DATABASE in UTF8 (what Mattermost needs), falling back to the server default when the locale forbids it. */
async function createDatabase(conn: DbConnection): Promise<void> {
  const admin = await connectMaintenance(conn, STEP);
  try {
    const name = quoteIdent(conn.database);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`).catch(async (err) => {
      if ((err as { code?: string }).code !== '22023') throw err;
      await admin.query(`CREATE DATABASE ${name}`);
    });
  } catch (err) {
    throw new MmBackupError({
      step: STEP,
      code: 'CREATE_DB_FAILED',
      message: redact(`cannot create database "${conn.database}" on ${endpoint(conn)}: ${messageOf(err)}`),
      fix: `create it first (CREATE DATABASE ${quoteIdent(conn.database)} OWNER ${quoteIdent(conn.user)}), or grant CREATEDB to ${conn.user}`,
      cause: err,
    });
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** Drops the database (terminating its sessions on PostgreSQL 13+). Refuses empty and system names. */
export async function dropPostgresDatabase(conn: DbConnection, step = 'drop-db'): Promise<void> {
  if (!conn.database) throw invalidDatabaseName(step, conn.database, 'no database name given');
  if (['postgres', 'template0', 'template1'].includes(conn.database)) throw invalidDatabaseName(step, conn.database, 'it is a system database');
  const admin = await connectMaintenance(conn, step);
  try {
    const { major } = await serverVersion(admin);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(conn.database)}${major >= 13 ? ' WITH (FORCE)' : ''}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** See the file comment. Rejects TARGET_NOT_EMPTY (exit code 2) for a non-empty target without `replace`. */
export async function restorePostgres(conn: DbConnection, sql: Readable, options: RestoreOptions, reporter: Reporter): Promise<void> {
  const state = await inspectPostgres(conn, STEP);
  if (state.exists && state.tables > 0 && !options.replace) throw targetNotEmpty(STEP, conn, state.tables);
  if (!state.exists) {
    reporter.info(redact(`creating database "${conn.database}" on ${endpoint(conn)}`));
    await createDatabase(conn);
  }
  try {
    await runPsql(conn, sql, { ...options, replace: options.replace && state.exists }, reporter);
  } catch (err) {
    if (!state.exists) await dropPostgresDatabase(conn, STEP).catch((e) => reporter.warn(`could not drop the partly restored database: ${messageOf(e)}`));
    throw err;
  }
}

async function runPsql(conn: DbConnection, sql: Readable, { replace, ownsInput }: RestoreOptions, reporter: Reporter): Promise<void> {
  const { major } = await withClient(conn, STEP, serverVersion);
  const psql = await selectPsql(STEP, major);
  reporter.info(redact(`restoring into "${conn.database}" with ${psql.version.text} in one transaction${replace ? ', replacing its contents' : ''}`));
  const passFile = await writePgPass(conn);
  try {
    const proc = startTool(psql.path, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '--no-password', '-f', '-'], {
      env: toolEnv(conn, conn.database, passFile),
      stdin: 'pipe',
      stdout: 'ignore',
    });
    const { exit, inputError } = await feedTool(sql, proc, { prefix: replace ? REPLACE_PREAMBLE : undefined, ownsInput });
    if (inputError) throw readFailure(inputError);
    if (exit.spawnError) throw toolMissing(STEP, 'RESTORE_TOOL_MISSING', psql.path, clientPackage(major), exit.spawnError);
    if (exit.code !== 0) {
      throw toolFailed(STEP, 'RESTORE_FAILED', psql.version.text, exit, proc.stderr.tail,
        `nothing was changed: the restore ran in one transaction that was rolled back. Fix the cause named above (for example a missing extension or role) and restore again`);
    }
  } finally {
    await passFile?.remove();
  }
}

function readFailure(err: unknown): MmBackupError {
  if (isMmBackupError(err)) return err;
  return new MmBackupError({
    step: STEP,
    code: 'RESTORE_INPUT_FAILED',
    message: `reading the dump failed: ${messageOf(err)}; nothing was changed (the transaction was rolled back)`,
    cause: err,
  });
}
