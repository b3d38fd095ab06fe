/**
 * How we reach MySQL/MariaDB: a mysql2 connection for our own queries, and for the command-line tools a
 * temporary 0600 option file passed as --defaults-extra-file (it must be the tools' first argument), so
 * the password is never on a command line. Connection failures become DB_UNREACHABLE / DB_AUTH_FAILED /
 * DB_NOT_FOUND here, once, for every caller.
 */
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import type { Connection as CoreConnection } from 'mysql2';
import { toolBaseEnv } from '../../common/child-process';
import { MmBackupError, systemCode } from '../../common/errors';
import { registerSecret } from '../../common/redact';
import type { DbConnection } from '../../mattermost/types';
import { dbAuthFailed, dbNotFound, dbUnreachable, messageOf } from '../shared/errors';
import { writeSecretFile, type SecretFile } from '../shared/secret-file';

export type { Connection };

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'ENOENT', 'PROTOCOL_CONNECTION_LOST']);
const AUTH = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_HOST_NOT_PRIVILEGED', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);

/** Quotes an identifier with backticks. */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** Go's MySQL driver: tls=true verifies, skip-verify/preferred encrypt without verifying. */
function tlsMode(conn: DbConnection): 'verify' | 'encrypt' | 'off' {
  const tls = conn.params.tls;
  if (tls === 'true') return 'verify';
  return tls === 'skip-verify' || tls === 'preferred' ? 'encrypt' : 'off';
}

function options(conn: DbConnection, database: string | undefined): ConnectionOptions {
  const tls = tlsMode(conn);
  return {
    ...(conn.socket ? { socketPath: conn.host } : { host: conn.host, port: conn.port }),
    user: conn.user,
    password: conn.password,
    database,
    charset: 'utf8mb4',
    connectTimeout: 10_000,
    supportBigNumbers: true,
    bigNumberStrings: true,
    ssl: tls === 'off' ? undefined : { rejectUnauthorized: tls === 'verify' },
  };
}

/** Maps a mysql2 error to the admin's words. */
export function connectError(err: unknown, conn: DbConnection, step: string, database?: string): MmBackupError {
  if (err instanceof MmBackupError) return err;
  const code = systemCode(err);
  const detail = messageOf(err) || code || 'unknown error';
  if (code && AUTH.has(code)) return dbAuthFailed(step, conn, detail, err);
  if (code === 'ER_BAD_DB_ERROR') return dbNotFound(step, { ...conn, database: database ?? conn.database }, err);
  if (code && UNREACHABLE.has(code)) return dbUnreachable(step, conn, detail, err);
  return new MmBackupError({ step, code: 'DB_ERROR', message: `MySQL at ${conn.host}: ${detail}`, cause: err });
}

/**
 * A connection to `database` (null: no default database, for CREATE/DROP DATABASE). The caller ends
 * or destroys it. Errors on an idle connection are swallowed: the next query reports them.
 */
export async function connect(conn: DbConnection, step: string, database: string | null = conn.database): Promise<Connection> {
  registerSecret(conn.password);
  try {
    // Loaded here, not at startup: a PostgreSQL installation never needs the MySQL driver.
    const { createConnection } = await import('mysql2/promise');
    const c = await createConnection(options(conn, database ?? undefined));
    c.on('error', () => undefined);
    return c;
  } catch (err) {
    throw connectError(err, conn, step, database ?? undefined);
  }
}

/** Runs `fn` with a connection (to `database`, see connect) and always closes it. */
export async function withConnection<T>(conn: DbConnection, step: string, fn: (c: Connection) => Promise<T>, database: string | null = conn.database): Promise<T> {
  const c = await connect(conn, step, database);
  try {
    return await fn(c);
  } finally {
    c.destroy();
  }
}

/** mysql2's callback connection under a promise one: needed for streaming a result set. */
export function coreOf(c: Connection): CoreConnection {
  return (c as unknown as { connection: CoreConnection }).connection;
}

/**
 * The value of one option file line, double-quoted so that #, ; and spaces survive; the option file
 * parser unescapes \\, \", \n and \r inside it.
 */
function optionValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

/** The [client] option file for mysqldump/mariadb-dump/mariadb/mysql; `mariaTools` selects the TLS option names. */
export async function writeDefaultsFile(conn: DbConnection, mariaTools: boolean): Promise<SecretFile> {
  registerSecret(conn.password);
  const lines = ['[client]', `user=${optionValue(conn.user)}`];
  if (conn.password) lines.push(`password=${optionValue(conn.password)}`);
  if (conn.socket) lines.push('host=localhost', `socket=${optionValue(conn.host)}`);
  else lines.push(`host=${optionValue(conn.host)}`, `port=${conn.port}`, 'protocol=TCP');
  const tls = tlsMode(conn);
  if (tls !== 'off') lines.push(...(mariaTools ? ['ssl', ...(tls === 'verify' ? ['ssl-verify-server-cert'] : [])] : [`ssl-mode=${tls === 'verify' ? 'VERIFY_IDENTITY' : 'REQUIRED'}`]));
  return writeSecretFile('client.cnf', `${lines.join('\n')}\n`);
}

/**
 * The environment for mysqldump/mariadb-dump/mariadb/mysql: only the allow-listed basics (toolBaseEnv),
 * so no MYSQL_PWD/MYSQL_HOST can redirect the tool and no passphrase, S3 key or token reaches it; the
 * connection travels in the defaults file.
 */
export function toolEnv(): NodeJS.ProcessEnv {
  return toolBaseEnv();
}

/** The server's name and version as people say it ("MariaDB 10.11.19", "MySQL 8.0.36"). */
export async function serverInfo(c: Connection): Promise<{ text: string; mariadb: boolean }> {
  const [rows] = await c.query<Array<{ v: string } & import('mysql2').RowDataPacket>>('SELECT VERSION() AS v');
  const raw = rows[0].v;
  const mariadb = /mariadb/i.test(raw);
  return { text: `${mariadb ? 'MariaDB' : 'MySQL'} ${raw.split('-')[0]}`, mariadb };
}
