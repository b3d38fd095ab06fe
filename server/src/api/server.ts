/**
 * The bridge's HTTP server (DESIGN section 5): node:http, loopback by default, routes in ./routes, access
 * checks in ./auth, answers and errors in ./respond. It serves the same routes whether or not the reverse
 * proxy strips the mount path (`/backup-dr/` by default): nginx `proxy_pass http://127.0.0.1:8066/;` strips
 * it, Caddy's `handle_path` strips it, a plain `proxy_pass http://127.0.0.1:8066;` passes it through.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator, safeEqual, type AuthOptions } from './auth';
import type { BridgeCore } from './core';
import { type ApiLogger, errorBodyOf, HttpError, sendError, sendJson } from './respond';
import { matchRoute, type Route } from './routes';

export interface ApiServerOptions {
  core: BridgeCore;
  /** How admins are authenticated: `api` validates tokens against Mattermost. */
  auth: AuthOptions;
  /** When set, GET /metrics requires `Authorization: Bearer <metricsToken>`; otherwise /metrics is open. */
  metricsToken?: string;
  /** The path the reverse proxy serves the bridge at; requests are accepted with and without it. Default "/backup-dr/". */
  basePath?: string;
  /** Where internal causes of 5xx answers go (already redacted). Default: stderr. */
  log?: ApiLogger;
  /** Interval of SSE heartbeat comments; default 15 s. */
  heartbeatMs?: number;
}

/** Slow clients must not hold sockets: these bound how long a request may take to arrive (not the SSE reply). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** A server that is not yet listening; see listenApiServer(). */
export function createApiServer(options: ApiServerOptions): http.Server {
  const auth = new Authenticator(options.auth);
  const log = options.log ?? ((line: string) => process.stderr.write(`mmbackup api: ${line}\n`));
  const prefix = normalisePrefix(options.basePath ?? '/backup-dr/');
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, err, log, `${req.method} ${pathOf(req)}`));
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = stripPrefix(pathOf(req), prefix);
    const { route, params, allowed } = matchRoute(req.method ?? 'GET', path);
    if (!route) return notRouted(res, path, allowed);
    await checkAccess(route, req);
    await route.handle({ core: options.core, req, res, params, heartbeatMs: options.heartbeatMs });
  }

  async function checkAccess(route: Route, req: http.IncomingMessage): Promise<void> {
    if (route.access === 'admin') await auth.requireAdmin(req);
    if (route.access === 'metrics' && options.metricsToken !== undefined) checkMetricsToken(req, options.metricsToken);
  }

  return server;
}

/** Listens on a loopback address (the reverse proxy on the same host is the only intended client). */
export async function listenApiServer(server: http.Server, port: number, host = '127.0.0.1'): Promise<{ url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostText = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${hostText}:${address.port}` };
}

function checkMetricsToken(req: http.IncomingMessage, token: string): void {
  const sent = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!sent || !safeEqual(sent, token)) {
    throw new HttpError(401, 'UNAUTHENTICATED', 'GET /metrics needs Authorization: Bearer <metrics token>',
      'set bearer_token (or credentials) in the Prometheus scrape config to MMBACKUP_METRICS_TOKEN');
  }
}

function notRouted(res: http.ServerResponse, path: string, allowed: string[]): void {
  if (allowed.length) {
    sendJson(res, 405, errorBodyOf('METHOD_NOT_ALLOWED', `${path} takes ${allowed.join(', ')}`), { Allow: allowed.join(', ') });
    return;
  }
  sendJson(res, 404, errorBodyOf('NOT_FOUND', `no such endpoint: ${path.slice(0, 200)}`));
}

function pathOf(req: http.IncomingMessage): string {
  return (req.url ?? '/').split('?')[0];
}

/** "/backup-dr/" → "/backup-dr"; "/" → "". */
function normalisePrefix(basePath: string): string {
  const trimmed = basePath.replace(/\/+$/, '');
  return trimmed === '' ? '' : `/${trimmed.replace(/^\/+/, '')}`;
}

function stripPrefix(path: string, prefix: string): string {
  if (prefix && (path === prefix || path.startsWith(`${prefix}/`))) return path.slice(prefix.length) || '/';
  return path;
}
