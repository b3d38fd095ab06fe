/**
 * Database addresses as Mattermost writes them: SqlSettings.DataSource, MM_SQLSETTINGS_DATASOURCE, MM_CONFIG
 * and the --db option. parseDsn() reads every form Mattermost accepts into one DbConnection; formatDsn()
 * writes one back in the form Mattermost needs in SqlSettings.DataSource; describeConnection() is the
 * only text about a connection that may be shown or logged (it never holds the password).
 */
import { badDsn } from './dsn-error';
import { isGoMysqlForm, parseGoMysqlDsn } from './dsn-go-mysql';
import { parseUrlDsn } from './dsn-url';
import type { DbConnection } from './types';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** user:pass@tcp(..., @unix(..., tcp(... without a user, or user:pass@/db (all defaults). */
const GO_MYSQL = /(^|@)(tcp[46]?|unix)\(|^[^/]*@\/[^/]*$/;

/** True when `text` is a database DSN rather than a file path (for MM_CONFIG and --mattermost-config). */
export function looksLikeDsn(text: string): boolean {
  const trimmed = text.trim();
  const scheme = SCHEME.exec(trimmed)?.[1].toLowerCase();
  if (scheme) return scheme === 'postgres' || scheme === 'postgresql' || scheme === 'mysql';
  return GO_MYSQL.test(trimmed);
}

/**
 * Parses a PostgreSQL URL (postgres:// or postgresql://), a MySQL URL (mysql://host:port/db, or mysql://
 * followed by a Go DSN as MM_CONFIG takes it) or a bare Go-MySQL DSN. Every password found is registered
 * for redaction before anything can fail. Throws BAD_DSN (exit 2) naming `source`, e.g. "SqlSettings.DataSource
 * in /opt/mattermost/config/config.json", and what is wrong, never the DSN text.
 */
export function parseDsn(dsn: string, source?: string): DbConnection {
  const text = dsn.trim();
  if (text === '') throw badDsn(source, 'it is empty');
  const match = SCHEME.exec(text);
  if (!match) {
    if (text.includes('/')) return parseGoMysqlDsn(text, source);
    throw badDsn(source, 'it is neither a postgres:// URL nor a MySQL DSN');
  }
  const scheme = match[1].toLowerCase();
  const rest = text.slice(match[0].length);
  if (scheme === 'postgres' || scheme === 'postgresql') return parseUrlDsn('postgres', rest, source);
  if (scheme === 'mysql') return isGoMysqlForm(rest) ? parseGoMysqlDsn(rest, source) : parseUrlDsn('mysql', rest, source);
  throw badDsn(source, `the scheme "${scheme}" is not supported (use postgres://, postgresql:// or mysql://)`);
}

function bracketV6(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Safe, human text naming a connection, e.g. postgres://mmuser@127.0.0.1:5432/mattermost,
 * postgres://mmuser@/mattermost?host=/var/run/postgresql, mysql://mmuser@unix(/run/mysqld/mysqld.sock)/mattermost.
 * Each is itself a DSN that parseDsn() accepts, minus the password. Never includes the password or params.
 */
export function describeConnection(conn: DbConnection): string {
  const user = conn.user ? `${conn.user}@` : '';
  if (conn.driver === 'postgres') {
    if (!conn.socket) return `postgres://${user}${bracketV6(conn.host)}:${conn.port}/${conn.database}`;
    const port = conn.port === 5432 ? '' : `&port=${conn.port}`;
    return `postgres://${user}/${conn.database}?host=${conn.host}${port}`;
  }
  if (conn.socket) return `mysql://${user}unix(${conn.host})/${conn.database}`;
  return `mysql://${user}${bracketV6(conn.host)}:${conn.port}/${conn.database}`;
}

/**
 * A postgres:// URL for `conn`, as lib/pq (Mattermost) reads it: user, password and database
 * percent-encoded; a socket directory goes into the `host` parameter (the URL host cannot hold a path).
 */
export function formatPostgresUrl(conn: DbConnection): string {
  const userinfo = conn.user || conn.password !== undefined ? `${encodeURIComponent(conn.user)}${passwordPart(conn, encodeURIComponent)}@` : '';
  const params = new URLSearchParams();
  let hostport = `${bracketV6(conn.host)}:${conn.port}`;
  if (conn.socket) {
    hostport = '';
    params.set('host', conn.host);
    if (conn.port !== 5432) params.set('port', String(conn.port));
  }
  for (const [key, value] of Object.entries(conn.params)) params.set(key, value);
  const query = params.toString();
  return `postgres://${userinfo}${hostport}/${encodeURIComponent(conn.database)}${query ? `?${query}` : ''}`;
}

function passwordPart(conn: DbConnection, encode: (s: string) => string): string {
  return conn.password === undefined ? '' : `:${encode(conn.password)}`;
}

/** Escapes only what would break go-sql-driver's splitting ('&', '=', '/', '?', '#', '%', '+', space, controls). */
function goParamEscape(value: string): string {
  return value.replace(/[%&=/?#+\s\x00-\x1f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * A Go-MySQL DSN for `conn` (user:password@tcp(host:port)/db?params), the only form Mattermost's MySQL
 * driver accepts in SqlSettings.DataSource. The password is written as is (the driver does not decode it).
 * Throws BAD_DSN when the user name contains ':', which that form cannot express.
 */
export function toGoMysqlDsn(conn: DbConnection): string {
  if (conn.user.includes(':')) throw badDsn('The target connection', "its user name contains ':', which a Go-MySQL DSN cannot express");
  const userinfo = conn.user || conn.password !== undefined ? `${conn.user}${passwordPart(conn, (s) => s)}@` : '';
  const address = conn.socket ? `unix(${conn.host})` : `tcp(${bracketV6(conn.host)}:${conn.port})`;
  const query = Object.entries(conn.params)
    .map(([key, value]) => `${key}=${goParamEscape(value)}`)
    .join('&');
  return `${userinfo}${address}/${goParamEscape(conn.database)}${query ? `?${query}` : ''}`;
}

/**
 * The DSN to write into SqlSettings.DataSource for `conn`. When `original` (the DataSource it replaces) is
 * of the same driver, its parameters are kept unless `conn` sets them: they carry what the admin tuned
 * (sslmode, timeouts, and for MySQL the charset and multiStatements Mattermost relies on).
 */
export function formatDsn(conn: DbConnection, original?: DbConnection): string {
  const params = original && original.driver === conn.driver ? { ...original.params, ...conn.params } : conn.params;
  const target = { ...conn, params };
  return conn.driver === 'postgres' ? formatPostgresUrl(target) : toGoMysqlDsn(target);
}
