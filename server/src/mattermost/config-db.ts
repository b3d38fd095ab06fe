/**
 * Mattermost's database config store (MM_CONFIG=postgres://... or mysql://...): the active row of
 * Configurations holds the text of config.json, and ConfigurationFiles holds the files that would lie beside
 * it (SAML and LDAP certificates, keys). One SQL text serves both engines: PostgreSQL folds the unquoted
 * names to the lower-case tables Mattermost created there, and MySQL matches its CamelCase ones.
 */
import { ExitCode, MmBackupError, systemCode } from '../common/errors';
import { redact, registerSecret } from '../common/redact';
import { describeConnection } from './dsn';
import type { DbConnection } from './types';

/** One row of ConfigurationFiles. `data` is the stored text as bytes. Times are Unix milliseconds. */
export interface DatabaseConfigFile {
  name: string;
  data: Buffer;
  createAt: number;
  updateAt: number;
}

type Row = Record<string, unknown>;
interface Session {
  query(sql: string): Promise<Row[]>;
  end(): Promise<void>;
}

const CONNECT_TIMEOUT_SECONDS = 10;
const AUTH_CODES = new Set(['28P01', '28000', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR']);
const NO_DATABASE_CODES = new Set(['3D000', 'ER_BAD_DB_ERROR']);
const NO_TABLE_CODES = new Set(['42P01', 'ER_NO_SUCH_TABLE']);

function timeoutSeconds(conn: DbConnection): number {
  const value = Number(conn.params.connect_timeout ?? conn.params.timeout?.replace(/s$/, ''));
  return Number.isFinite(value) && value > 0 ? value : CONNECT_TIMEOUT_SECONDS;
}

/** libpq's sslmode: disable/allow/prefer connect in clear (node-postgres cannot fall back), require skips verification. */
function pgSsl(mode: string | undefined): false | { rejectUnauthorized: boolean } {
  if (!mode || mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  return { rejectUnauthorized: mode !== 'require' };
}

/** go-sql-driver's tls=true|skip-verify; other values (preferred, custom names) connect in clear. */
function mysqlSsl(tls: string | undefined): { rejectUnauthorized: boolean } | undefined {
  if (tls === 'true') return { rejectUnauthorized: true };
  if (tls === 'skip-verify') return { rejectUnauthorized: false };
  return undefined;
}

async function openPostgres(conn: DbConnection): Promise<Session> {
  const { Client: PgClient } = await import('pg');
  const client = new PgClient({
    host: conn.host,
    port: conn.port,
    user: conn.user || undefined,
    password: conn.password,
    database: conn.database,
    ssl: pgSsl(conn.params.sslmode),
    connectionTimeoutMillis: timeoutSeconds(conn) * 1000,
    application_name: 'mmbackup',
  });
  client.on('error', () => undefined); // an idle client's error surfaces on the next query instead
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return { query: async (sql) => (await client.query(sql)).rows, end: () => client.end() };
}

async function openMysql(conn: DbConnection): Promise<Session> {
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({
    ...(conn.socket ? { socketPath: conn.host } : { host: conn.host, port: conn.port }),
    user: conn.user,
    password: conn.password,
    database: conn.database,
    ssl: mysqlSsl(conn.params.tls),
    connectTimeout: timeoutSeconds(conn) * 1000,
  });
  connection.on('error', () => undefined);
  return { query: async (sql) => (await connection.query(sql))[0] as Row[], end: () => connection.end() };
}

/** Words for the network errors whose Node message is empty or only the code (pg's AggregateError). */
const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOENT: 'no such socket',
};

/** The code suffix and the fix for a failure to connect to, or to query, the config database. */
function errorKind(conn: DbConnection, code: string | undefined, action: 'connect to' | 'query'): [string, string] {
  if (code && AUTH_CODES.has(code)) return ['AUTH_FAILED', 'check the user and password in MM_CONFIG (or --mattermost-config)'];
  if (code && NO_DATABASE_CODES.has(code)) return ['NOT_FOUND', 'check the database name in MM_CONFIG (or --mattermost-config)'];
  if (action === 'query' && !(code && code in NETWORK_WORDS)) {
    return ['QUERY_FAILED', 'check that the user in MM_CONFIG (or --mattermost-config) may read the Configurations and ConfigurationFiles tables'];
  }
  const address = conn.socket ? conn.host : `${conn.host}:${conn.port}`;
  return ['UNREACHABLE', `check that the database server is running and accepts connections at ${address}, and that MM_CONFIG (or --mattermost-config) names it`];
}

function configDbError(conn: DbConnection, err: unknown, action: 'connect to' | 'query'): MmBackupError {
  const code = systemCode(err) ?? systemCode((err as { errors?: unknown[] })?.errors?.[0]);
  const words = code && NETWORK_WORDS[code] ? `${NETWORK_WORDS[code]} (${code})` : code;
  const message = err instanceof Error && err.message && err.message !== code ? err.message : undefined;
  const detail = redact(message ?? words ?? 'unknown error');
  const where = describeConnection(conn);
  const [suffix, fix] = errorKind(conn, code, action);
  return new MmBackupError({
    step: 'read-config',
    code: `CONFIG_DB_${suffix}`,
    exitCode: ExitCode.usage,
    message: `cannot ${action} Mattermost's configuration database ${where}: ${detail}`,
    fix,
    cause: err,
  });
}

/** Runs `fn` on a fresh connection to `conn` and always closes it. Connection failures become CONFIG_DB_* errors. */
async function withSession<T>(conn: DbConnection, fn: (session: Session) => Promise<T>): Promise<T> {
  registerSecret(conn.password);
  let session: Session;
  try {
    session = await (conn.driver === 'postgres' ? openPostgres(conn) : openMysql(conn));
  } catch (err) {
    throw configDbError(conn, err, 'connect to');
  }
  try {
    return await fn(session);
  } finally {
    await session.end().catch(() => undefined);
  }
}

function isMissingTable(err: unknown): boolean {
  const code = systemCode(err);
  return code !== undefined && NO_TABLE_CODES.has(code);
}

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value ?? '');
}

/**
 * The text (config.json) of the active Configurations row. Throws CONFIG_DB_* (exit 2) when the database
 * cannot be reached, has no Configurations table, or has no active row.
 */
export async function readActiveDatabaseConfig(conn: DbConnection): Promise<string> {
  return withSession(conn, async (session) => {
    let rows: Row[];
    try {
      rows = await session.query('SELECT Value AS config_value FROM Configurations WHERE Active ORDER BY CreateAt DESC LIMIT 1');
    } catch (err) {
      if (!isMissingTable(err)) throw configDbError(conn, err, 'query');
      throw noConfig(conn, 'CONFIG_TABLE_MISSING', 'has no Configurations table');
    }
    if (rows.length === 0) throw noConfig(conn, 'CONFIG_NO_ACTIVE_ROW', 'has no active row in its Configurations table');
    return text(rows[0].config_value);
  });
}

function noConfig(conn: DbConnection, code: string, what: string): MmBackupError {
  return new MmBackupError({
    step: 'read-config',
    code,
    exitCode: ExitCode.usage,
    message: `the database ${describeConnection(conn)} ${what}, so it holds no Mattermost configuration`,
    fix: 'point MM_CONFIG (or --mattermost-config) at the database Mattermost reads its config from, or at config.json',
  });
}

/**
 * Every ConfigurationFiles row, by name. A missing ConfigurationFiles table means there are no files to
 * read (an empty list), not a failure: what must exist is the configuration itself, which
 * readActiveDatabaseConfig() checks.
 */
export async function readDatabaseConfigFiles(conn: DbConnection): Promise<DatabaseConfigFile[]> {
  return withSession(conn, async (session) => {
    let rows: Row[];
    try {
      rows = await session.query(
        'SELECT Name AS file_name, Data AS file_data, CreateAt AS create_at, UpdateAt AS update_at FROM ConfigurationFiles ORDER BY Name',
      );
    } catch (err) {
      if (isMissingTable(err)) return [];
      throw configDbError(conn, err, 'query');
    }
    return rows.map((row) => ({
      name: text(row.file_name),
      data: Buffer.isBuffer(row.file_data) ? row.file_data : Buffer.from(text(row.file_data), 'utf8'),
      createAt: Number(row.create_at),
      updateAt: Number(row.update_at),
    }));
  });
}
