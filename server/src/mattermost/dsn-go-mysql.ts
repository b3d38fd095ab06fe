/**
 * Go-MySQL DSNs, the form legacy Mattermost servers keep in SqlSettings.DataSource:
 *   [user[:password]@][net[(addr)]]/dbname[?param1=value1&paramN=valueN]
 * Splitting follows go-sql-driver/mysql's ParseDSN, so a password is read exactly as the server reads it:
 * the LAST '/' starts the database part, the LAST '@' before it ends the userinfo, and the FIRST ':' of the
 * userinfo ends the user name. User and password are not percent-decoded (the driver does not decode them).
 */
import { registerSecret } from '../common/redact';
import { badDsn } from './dsn-error';
import { parsePort } from './dsn-url';
import type { DbConnection } from './types';

const DEFAULT_PORT = 3306;
/** go-sql-driver's defaults when the address is left out. */
const DEFAULT_TCP_HOST = '127.0.0.1';
const DEFAULT_SOCKET = '/tmp/mysql.sock';

/** True when `text` (after an optional mysql://) is in the Go form rather than a host:port URL. */
export function isGoMysqlForm(text: string): boolean {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return false;
  const left = text.slice(0, slash);
  const netAddr = left.slice(left.lastIndexOf('@') + 1);
  return netAddr === '' || netAddr.includes('(');
}

function splitNetAddr(netAddr: string, source?: string): { net: string; addr: string } {
  const paren = netAddr.indexOf('(');
  if (paren < 0) return { net: netAddr, addr: '' };
  if (!netAddr.endsWith(')')) {
    throw badDsn(source, "the address after '@' is not closed with ')' (a '/' in a parameter value must be escaped as %2F)");
  }
  return { net: netAddr.slice(0, paren), addr: netAddr.slice(paren + 1, -1) };
}

/** host:port, [v6]:port, bare host, or a bare IPv6 address (Go adds the default port to what has none). */
function tcpAddress(addr: string, source?: string): { host: string; port: number } {
  if (addr === '') return { host: DEFAULT_TCP_HOST, port: DEFAULT_PORT };
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(addr);
  if (v6) return { host: v6[1], port: v6[2] === undefined ? DEFAULT_PORT : parsePort(v6[2], source) };
  const colon = addr.indexOf(':');
  if (colon < 0 || colon !== addr.lastIndexOf(':')) return { host: addr, port: DEFAULT_PORT };
  return { host: addr.slice(0, colon) || DEFAULT_TCP_HOST, port: parsePort(addr.slice(colon + 1), source) };
}

/** Go's url.PathUnescape ('+' stays) or, with `plusIsSpace`, url.QueryUnescape; undecodable text is kept. */
function goUnescape(value: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? value.replace(/\+/g, ' ') : value);
  } catch {
    return value;
  }
}

function parseParams(query: string, source?: string): Record<string, string> {
  const params: Record<string, string> = {};
  if (query === '') return params;
  for (const [i, pair] of query.split('&').entries()) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw badDsn(source, `parameter ${i + 1} after '?' is not written as name=value`);
    params[pair.slice(0, eq)] = goUnescape(pair.slice(eq + 1), true);
  }
  return params;
}

/** Parses a Go-MySQL DSN (without any mysql:// prefix). Registers the password for redaction. */
export function parseGoMysqlDsn(dsn: string, source?: string): DbConnection {
  const slash = dsn.lastIndexOf('/');
  if (slash < 0) throw badDsn(source, "it has no '/DATABASE' part");
  const left = dsn.slice(0, slash);
  const at = left.lastIndexOf('@');
  const userinfo = at < 0 ? '' : left.slice(0, at);
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const password = colon < 0 ? undefined : userinfo.slice(colon + 1);
  registerSecret(password);

  const { net, addr } = splitNetAddr(left.slice(at + 1), source);
  const rest = dsn.slice(slash + 1);
  const q = rest.indexOf('?');
  const database = goUnescape(q < 0 ? rest : rest.slice(0, q), false);
  const params = parseParams(q < 0 ? '' : rest.slice(q + 1), source);
  if (!database) throw badDsn(source, "it names no database (add the name after the last '/')");

  const conn: DbConnection = { driver: 'mysql', host: '', port: DEFAULT_PORT, user, database, params };
  if (password !== undefined) conn.password = password;
  if (net === 'unix') {
    conn.host = addr || DEFAULT_SOCKET;
    conn.socket = true;
  } else if (net === '' || net === 'tcp' || net === 'tcp4' || net === 'tcp6') {
    Object.assign(conn, tcpAddress(addr, source));
  } else {
    // Only quote the network when it cannot be part of a password (a missing '@' would put one here).
    const shown = /^[A-Za-z0-9_-]{1,20}$/.test(net) ? `"${net}"` : 'given';
    throw badDsn(source, `the network ${shown} is not supported; use tcp(HOST:PORT) or unix(/path/to/mysqld.sock)`);
  }
  return conn;
}
