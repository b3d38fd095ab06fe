/**
 * How the demo generators and comparisons reach a database server. A `DbEndpoint` is the subset of the
 * project's `DbConnection` (../mattermost/types) that opening a connection needs, so a DbConnection can be
 * passed wherever a DbEndpoint is expected.
 */
import { Client } from 'pg';
import mysql from 'mysql2/promise';
import type { Dialect } from './mattermost-schema';

export interface DbEndpoint {
  /** Host name or IP; with `socket`, the socket directory (postgres) or socket file (mysql). */
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  socket?: boolean;
}

/** A server to connect to; `database` defaults to `postgres` (PostgreSQL) or none (MySQL). */
export type DbServer = Omit<DbEndpoint, 'database'> & { database?: string };

/**
 * Parses `postgres://user:pass@host:port/db` or `mysql://user:pass@host:port/db` (also `postgresql:` and
 * `mariadb:`). A `?host=/path` parameter names a Unix socket, as libpq allows.
 */
export function parseServerUrl(url: string): DbServer & { driver: Dialect } {
  const u = new URL(url);
  const scheme = u.protocol.replace(/:$/, '');
  const driver: Dialect | undefined = ['postgres', 'postgresql'].includes(scheme) ? 'postgres'
    : ['mysql', 'mariadb'].includes(scheme) ? 'mysql' : undefined;
  if (!driver) throw new Error(`unsupported database URL scheme "${scheme}:" (use postgres:// or mysql://)`);
  const socketHost = u.searchParams.get('host');
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined;
  return {
    driver,
    host: socketHost ?? (decodeURIComponent(u.hostname) || '127.0.0.1'),
    port: Number(u.port) || (driver === 'postgres' ? 5432 : 3306),
    user: decodeURIComponent(u.username) || (driver === 'postgres' ? 'postgres' : 'root'),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database,
    socket: socketHost !== null ? true : undefined,
  };
}

/** Opens a pg client; the caller ends it. */
export async function openPostgres(server: DbServer): Promise<Client> {
  const client = new Client({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database ?? 'postgres',
    application_name: 'mmbackup-demo',
  });
  await client.connect();
  return client;
}

/** Opens a mysql2 connection in utf8mb4 (Mattermost's charset); the caller ends it. */
export async function openMysql(server: DbServer): Promise<mysql.Connection> {
  return mysql.createConnection({
    ...(server.socket ? { socketPath: server.host } : { host: server.host, port: server.port }),
    user: server.user,
    password: server.password,
    database: server.database,
    charset: 'utf8mb4_general_ci',
    // DECIMAL sums and BIGINTs come back as exact strings, never rounded through a double.
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
  });
}

/**
 * The endpoint as Mattermost's SqlSettings.DataSource spells it: a libpq URL for PostgreSQL, a
 * go-sql-driver DSN (`user:pass@tcp(host:port)/db?...`) for MySQL.
 */
export function mattermostDataSource(driver: Dialect, e: DbEndpoint): string {
  const user = encodeURIComponent(e.user);
  const auth = e.password !== undefined ? `${user}:${encodeURIComponent(e.password)}` : user;
  if (driver === 'postgres') {
    if (e.socket) return `postgres://${auth}@/${e.database}?host=${encodeURIComponent(e.host)}&sslmode=disable&connect_timeout=10`;
    return `postgres://${auth}@${e.host}:${e.port}/${e.database}?sslmode=disable&connect_timeout=10`;
  }
  // go-sql-driver takes the user and password raw: the last '@' ends the password.
  const rawAuth = e.password !== undefined ? `${e.user}:${e.password}` : e.user;
  const address = e.socket ? `unix(${e.host})` : `tcp(${e.host}:${e.port})`;
  return `${rawAuth}@${address}/${e.database}?charset=utf8mb4,utf8&writeTimeout=30s`;
}
