/**
 * The errors both database drivers raise, worded once. Every message and fix goes through redact(): they
 * quote server and tool output, which may echo a DSN. Codes are stable for scripts:
 * DB_UNREACHABLE, DB_AUTH_FAILED, DB_NOT_FOUND, DUMP_TOOL_MISSING / RESTORE_TOOL_MISSING, DUMP_FAILED,
 * RESTORE_FAILED, TARGET_NOT_EMPTY, ABORTED.
 */
import { ExitCode, MmBackupError } from '../../common/errors';
import { redact } from '../../common/redact';
import type { DbConnection } from '../../mattermost/types';
import type { ToolExit } from './tool-process';

const DSN_HINT = 'SqlSettings.DataSource in config.json (or MM_SQLSETTINGS_DATASOURCE)';

function make(step: string, code: string, message: string, fix: string | undefined, cause?: unknown, exitCode?: 1 | 2): MmBackupError {
  return new MmBackupError({ step, code, message: redact(message), fix: fix && redact(fix), cause, exitCode });
}

/** "host:port", or "socket <path>" for a Unix socket. */
export function endpoint(conn: DbConnection): string {
  return conn.socket ? `socket ${conn.host}` : `${conn.host}:${conn.port}`;
}

function engineName(conn: DbConnection): string {
  return conn.driver === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB';
}

export function dbUnreachable(step: string, conn: DbConnection, detail: string, cause?: unknown): MmBackupError {
  return make(
    step,
    'DB_UNREACHABLE',
    `cannot reach the ${engineName(conn)} server at ${endpoint(conn)}: ${detail}`,
    `start the database server, or correct the host and port in ${DSN_HINT}; check that no firewall blocks this host`,
    cause,
  );
}

export function dbAuthFailed(step: string, conn: DbConnection, detail: string, cause?: unknown): MmBackupError {
  return make(
    step,
    'DB_AUTH_FAILED',
    `the ${engineName(conn)} server at ${endpoint(conn)} refused user "${conn.user}": ${detail}`,
    `check the user and password in ${DSN_HINT}, and that this user may connect from this host`,
    cause,
  );
}

export function dbNotFound(step: string, conn: DbConnection, cause?: unknown): MmBackupError {
  return make(
    step,
    'DB_NOT_FOUND',
    `database "${conn.database}" does not exist on ${endpoint(conn)}`,
    `check the database name in ${DSN_HINT}`,
    cause,
  );
}

export function toolMissing(step: string, code: string, tool: string, pkg: string, cause?: unknown): MmBackupError {
  return make(step, code, `${tool} is not installed on this host (not found in PATH)`, `install ${pkg} (Debian/Ubuntu: apt-get install ${pkg})`, cause);
}

/** The line of a tool's stderr tail that best says what went wrong: the last ERROR/FATAL line, else the last line. */
export function pickErrorLine(tail: string[]): string | undefined {
  for (let i = tail.length - 1; i >= 0; i--) if (/\b(ERROR|FATAL|error)\b/.test(tail[i])) return tail[i];
  return tail[tail.length - 1];
}

/** A tool that exited unsuccessfully: quotes its own words. */
export function toolFailed(step: string, code: string, tool: string, exit: ToolExit, tail: string[], fix: string): MmBackupError {
  const how = exit.signal ? `was killed by ${exit.signal}` : `failed (exit code ${exit.code})`;
  const said = pickErrorLine(tail);
  return make(step, code, `${tool} ${how}${said ? `: ${said}` : ' without a message'}`, fix);
}

export function aborted(step: string): MmBackupError {
  return make(step, 'ABORTED', 'the operation was cancelled', undefined);
}

export function targetNotEmpty(step: string, conn: DbConnection, tables: number): MmBackupError {
  return make(
    step,
    'TARGET_NOT_EMPTY',
    `database "${conn.database}" on ${endpoint(conn)} is not empty (${tables} tables or views); restoring would replace its contents`,
    'pass --yes to replace it (the old contents are replaced in one step, only if the restore succeeds), or restore into an empty or new database with --db',
    undefined,
    ExitCode.usage,
  );
}

export function invalidDatabaseName(step: string, name: string, why: string): MmBackupError {
  return make(step, 'INVALID_DATABASE_NAME', `refusing to use database "${name}": ${why}`, 'name a specific application database', undefined, ExitCode.usage);
}

/** The message of any thrown value, redacted. */
export function messageOf(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}
