/**
 * URL-form DSNs: postgres://, postgresql:// and mysql:// (host:port form). Splitting follows Go's net/url,
 * which Mattermost's drivers use, so that we read a DataSource exactly as the server does: the fragment and
 * the query are cut off first, the authority ends at the first '/', and the userinfo ends at the LAST '@'.
 * Query parameters override the URL's parts, as in lib/pq.
 */
import { registerSecret } from '../common/redact';
import { badDsn } from './dsn-error';
import type { DbConnection } from './types';

const DEFAULT_PORT = { postgres: 5432, mysql: 3306 } as const;
/** lib/pq connects to localhost when no host is given; go-sql-driver to 127.0.0.1. */
const DEFAULT_HOST = { postgres: 'localhost', mysql: '127.0.0.1' } as const;
/** Parameters that are secrets: registered for redaction and dropped from `params`. */
const SECRET_PARAMS = new Set(['password', 'sslpassword']);

type Driver = DbConnection['driver'];

/** Percent-decodes; a malformed escape is an error naming only the part, never its text. */
export function decodePart(text: string, part: string, source?: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badDsn(source, `the percent-encoding in the ${part} is malformed`);
  }
}

function splitAuthority(authority: string, source?: string): { user: string; password?: string; hostport: string } {
  const at = authority.lastIndexOf('@');
  const hostport = authority.slice(at + 1);
  if (at < 0) return { user: '', hostport };
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { user: decodePart(userinfo, 'user name', source), hostport };
  const rawPassword = userinfo.slice(colon + 1);
  registerSecret(rawPassword);
  return {
    user: decodePart(userinfo.slice(0, colon), 'user name', source),
    password: decodePart(rawPassword, 'password', source),
    hostport,
  };
}

/** Parses a port; the text is never quoted because a misplaced '/' can make part of a password look like one. */
export function parsePort(text: string, source?: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw badDsn(source, "the port is not a number from 1 to 65535 (a '/', '?', '#' or '@' in the password must be percent-encoded)");
  }
  return port;
}

function splitHostPort(hostport: string, source?: string): { host: string; port?: number } {
  if (hostport.includes(',')) throw badDsn(source, 'it names several hosts; mmbackup needs the one primary server');
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(hostport);
  if (v6) return { host: v6[1], port: v6[2] === undefined ? undefined : parsePort(v6[2], source) };
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) return { host: decodePart(hostport, 'host', source) };
  return { host: decodePart(hostport.slice(0, colon), 'host', source), port: parsePort(hostport.slice(colon + 1), source) };
}

interface Parts {
  user: string;
  password?: string;
  host: string;
  port?: number;
  database: string;
  params: Record<string, string>;
}

/** Moves the connection-level query parameters (user, password, host, port, dbname, socket) into `parts`. */
function applyQuery(parts: Parts, query: string, source?: string): void {
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === 'user') parts.user = value;
    else if (key === 'password') parts.password = value;
    else if (key === 'host' || key === 'socket') parts.host = value;
    else if (key === 'port') parts.port = parsePort(value, source);
    else if (key === 'dbname') parts.database = value;
    else if (SECRET_PARAMS.has(key)) registerSecret(value);
    else parts.params[key] = value;
  }
}

/**
 * Parses `scheme://[user[:password]@][host][:port][/database][?params]` for `driver`. Percent-decodes every
 * part; a host starting with '/' (also written %2F) is a Unix socket (postgres: its directory; mysql: the
 * socket file). A postgres URL without a database means the user's own database, as in libpq.
 */
export function parseUrlDsn(driver: Driver, afterScheme: string, source?: string): DbConnection {
  const [noFragment] = afterScheme.split('#', 1);
  const q = noFragment.indexOf('?');
  const beforeQuery = q < 0 ? noFragment : noFragment.slice(0, q);
  const slash = beforeQuery.indexOf('/');
  const authority = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash);
  const { user, password, hostport } = splitAuthority(authority, source);
  const { host, port } = splitHostPort(hostport, source);
  const path = slash < 0 ? '' : beforeQuery.slice(slash + 1);
  const parts: Parts = { user, password, host, port, database: decodePart(path, 'database name', source), params: {} };
  applyQuery(parts, q < 0 ? '' : noFragment.slice(q + 1), source);
  registerSecret(parts.password);
  if (!parts.database) {
    if (driver === 'mysql') throw badDsn(source, 'it names no database (add /DATABASE after the host)');
    parts.database = parts.user;
  }
  const conn: DbConnection = {
    driver,
    host: parts.host || DEFAULT_HOST[driver],
    port: parts.port ?? DEFAULT_PORT[driver],
    user: parts.user,
    database: parts.database,
    params: parts.params,
  };
  if (parts.password !== undefined) conn.password = parts.password;
  if (conn.host.startsWith('/')) conn.socket = true;
  return conn;
}
