/**
 * The bridge's HTTP server (DESIGN section 5): node:http on a loopback port or a unix socket, reached by the
 * plugin's server part on the same host. Routes in ./routes, the plugin secret in ./auth, answers and
 * errors in ./respond.
 */
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExitCode, MmBackupError } from '../common/errors';
import { requirePlugin, safeEqual, type SecretSource } from './auth';
import type { BridgeCore } from './core';
import { type ApiLogger, errorBodyOf, HttpError, sendError, sendJson } from './respond';
import { matchRoute, type Route } from './routes';

export interface ApiServerOptions {
  core: BridgeCore;
  /** The plugin secret in force (read on every request). */
  secret: SecretSource;
  /** When set, GET /metrics requires `Authorization: Bearer <metricsToken>`; otherwise /metrics is open. */
  metricsToken?: string;
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
  const log = options.log ?? ((line: string) => process.stderr.write(`mmbackup api: ${line}\n`));
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, err, log, `${req.method} ${pathOf(req)}`));
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = pathOf(req);
    const { route, params, allowed } = matchRoute(req.method ?? 'GET', path);
    if (!route) return notRouted(res, path, allowed);
    const requester = checkAccess(route, req);
    await route.handle({ core: options.core, req, res, params, requester, heartbeatMs: options.heartbeatMs });
  }

  function checkAccess(route: Route, req: http.IncomingMessage) {
    if (route.access === 'plugin') return requirePlugin(req, options.secret);
    if (route.access === 'metrics' && options.metricsToken !== undefined) checkMetricsToken(req, options.metricsToken);
    return {};
  }

  return server;
}

/** Where the bridge listens: a TCP host and port, or a unix socket path (MMBACKUP_LISTEN=unix:/path). */
export type ListenAddress = { host: string; port: number } | { socket: string };

/**
 * Listens on a loopback address, or on a unix socket made group-writable (0660) so that the mattermost user,
 * in the bridge's group, can connect. A socket file left by a bridge that died is replaced; any other file at
 * that path is an error. Resolves with the URL the plugin's BridgeUrl setting takes.
 */
export async function listenApiServer(server: http.Server, address: ListenAddress | number, host = '127.0.0.1'): Promise<{ url: string }> {
  const where = typeof address === 'number' ? { host, port: address } : address;
  if ('socket' in where) await removeStaleSocket(where.socket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if ('socket' in where) server.listen(where.socket, done);
    else server.listen(where.port, where.host, done);
  });
  if ('socket' in where) {
    await fs.chmod(where.socket, 0o660);
    return { url: `unix:${where.socket}` };
  }
  const bound = server.address() as AddressInfo;
  const hostText = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return { url: `http://${hostText}:${bound.port}` };
}

async function removeStaleSocket(path: string): Promise<void> {
  const stat = await fs.lstat(path).catch(() => undefined);
  if (!stat) return;
  if (!stat.isSocket()) {
    throw new MmBackupError({ step: 'serve', code: 'BAD_LISTEN', exitCode: ExitCode.usage, message: `MMBACKUP_LISTEN=unix:${path}: that path exists and is not a socket`, fix: 'remove the file or choose another socket path' });
  }
  await fs.unlink(path);
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
