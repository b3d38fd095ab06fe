/**
 * How we reach PostgreSQL: a `pg` client for our own queries, and for pg_dump/psql an environment of
 * libpq variables (PGHOST, PGPORT, ...) plus a temporary 0600 pgpass file for the password, so that no
 * credential ever appears on a command line. Connection failures become DB_UNREACHABLE / DB_AUTH_FAILED /
 * DB_NOT_FOUND here, once, for every caller.
 */
import { readFileSync } from 'node:fs';
import { Client, type ClientConfig } from 'pg';
import { toolBaseEnv } from '../../common/child-process';
import { MmBackupError, systemCode } from '../../common/errors';
import { registerSecret } from '../../common/redact';
import type { DbConnection } from '../../mattermost/types';
import { dbAuthFailed, dbNotFound, dbUnreachable, messageOf } from '../shared/errors';
import { writeSecretFile, type SecretFile } from '../shared/secret-file';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'ENOENT']);

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sslConfig(params: Record<string, string>): ClientConfig['ssl'] {
  const mode = params.sslmode;
  if (!mode || mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  const ca = params.sslrootcert ? readFileSync(params.sslrootcert, 'utf8') : undefined;
  if (mode === 'require') return { rejectUnauthorized: false };
  if (mode === 'verify-ca') return { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
  return { rejectUnauthorized: true, ca };
}

/** Options for a `pg` client; `database` overrides the connection's (e.g. the maintenance database). */
export function clientConfig(conn: DbConnection, database = conn.database): ClientConfig {
  const timeout = Number(conn.params.connect_timeout);
  return {
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database,
    ssl: sslConfig(conn.params),
    connectionTimeoutMillis: (Number.isFinite(timeout) && timeout > 0 ? timeout : 10) * 1000,
    application_name: 'mmbackup',
  };
}

/**
 * The environment for pg_dump/psql: only the allow-listed basics (toolBaseEnv: PATH, HOME, locale, time
 * zone; never the passphrase, S3 keys or tokens, and no inherited PG* variable, so a stray PGPASSWORD or
 * PGSERVICE cannot redirect the tool), plus ours. Notices are silenced so that stderr holds errors.
 */
export function toolEnv(conn: DbConnection, database: string, passFile?: SecretFile): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = toolBaseEnv();
  Object.assign(env, {
    PGHOST: conn.host,
    PGPORT: String(conn.port),
    PGUSER: conn.user,
    PGDATABASE: database,
    PGAPPNAME: 'mmbackup',
    PGOPTIONS: '-c client_min_messages=warning',
    PGCONNECT_TIMEOUT: conn.params.connect_timeout ?? '10',
  });
  const passthrough: Record<string, string> = { sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY' };
  for (const [param, name] of Object.entries(passthrough)) if (conn.params[param]) env[name] = conn.params[param];
  if (passFile) env.PGPASSFILE = passFile.path;
  return env;
}

/** A pgpass file holding only this password (wildcards: it is the one entry, read by one tool run). */
export async function writePgPass(conn: DbConnection): Promise<SecretFile | undefined> {
  if (!conn.password) return undefined;
  registerSecret(conn.password);
  const escaped = conn.password.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return writeSecretFile('pgpass', `*:*:*:*:${escaped}\n`);
}

/** Maps a connection-time error of `pg` to the admin's words. */
export function connectError(err: unknown, conn: DbConnection, step: string, database = conn.database): MmBackupError {
  if (err instanceof MmBackupError) return err;
  const inner = (err as { errors?: unknown[] }).errors?.[0]; // AggregateError when localhost has two addresses
  const code = systemCode(err) ?? systemCode(inner);
  const detail = messageOf(inner ?? err) || code || 'unknown error';
  if (code === '28P01' || code === '28000') return dbAuthFailed(step, conn, detail, err);
  if (code === '3D000') return dbNotFound(step, { ...conn, database }, err);
  if ((code && UNREACHABLE.has(code)) || /timeout|terminated unexpectedly/i.test(detail)) return dbUnreachable(step, conn, detail, err);
  return new MmBackupError({ step, code: 'DB_ERROR', message: `PostgreSQL at ${conn.host}: ${detail}`, cause: err });
}

/** A connected client; the caller ends it. Errors on an idle client are swallowed: the next query reports them. */
export async function connect(conn: DbConnection, step: string, database = conn.database): Promise<Client> {
  registerSecret(conn.password);
  const client = new Client(clientConfig(conn, database));
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw connectError(err, conn, step, database);
  }
  return client;
}

/** Connects to a maintenance database (postgres, else template1) for CREATE/DROP DATABASE. */
export async function connectMaintenance(conn: DbConnection, step: string): Promise<Client> {
  try {
    return await connect(conn, step, 'postgres');
  } catch (err) {
    if ((err as MmBackupError).code !== 'DB_NOT_FOUND') throw err;
    return connect(conn, step, 'template1');
  }
}

/** Runs `fn` with a client and always ends it. */
export async function withClient<T>(conn: DbConnection, step: string, fn: (client: Client) => Promise<T>, database?: string): Promise<T> {
  const client = await connect(conn, step, database);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** "15.20" and 15, from the server itself. */
export async function serverVersion(client: Client): Promise<{ version: string; major: number }> {
  const res = await client.query<{ v: string; n: string }>(`SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n`);
  const num = Number(res.rows[0].n);
  return { version: res.rows[0].v.split(' ')[0], major: Math.floor(num / 10000) };
}
