/**
 * The API's routes: method, path under the mount point, who may call it, and the handler. Handlers turn the
 * request into one core call and the result into JSON; validation of input happens here so the core only sees
 * well-formed arguments.
 */
import type * as http from 'node:http';
import { ALL_COMPONENTS, type ComponentName } from '../repository/snapshots';
import { mediaType, readBody, readJsonObject } from './body';
import type { BridgeCore } from './core';
import { streamJobLog } from './log-stream';
import { retentionPreview, schedulePreview } from './preview-routes';
import { HttpError, sendJson, sendText } from './respond';

/** admin: a Mattermost system admin (./auth); metrics: the optional metrics token; open: anyone. */
export type Access = 'admin' | 'metrics' | 'open';

export interface RouteContext {
  core: BridgeCore;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  params: Record<string, string>;
  heartbeatMs?: number;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Segments; ":name" captures one segment into params. */
  path: string;
  access: Access;
  handle(ctx: RouteContext): Promise<void> | void;
}

const json = (status: number) => async (ctx: RouteContext, body: Promise<unknown> | unknown): Promise<void> =>
  sendJson(ctx.res, status, await body);
const ok = json(200);
const accepted = json(202);

export const ROUTES: Route[] = [
  { method: 'GET', path: '/healthz', access: 'open', handle: (c) => sendJson(c.res, 200, { status: 'ok' }) },
  {
    method: 'GET', path: '/metrics', access: 'metrics',
    handle: (c) => sendText(c.res, 200, 'text/plain; version=0.0.4; charset=utf-8', c.core.metrics()),
  },
  { method: 'GET', path: '/api/v1/status', access: 'admin', handle: (c) => ok(c, c.core.status()) },
  { method: 'GET', path: '/api/v1/backups', access: 'admin', handle: (c) => ok(c, c.core.listBackups()) },
  { method: 'GET', path: '/api/v1/backups/:id', access: 'admin', handle: (c) => ok(c, c.core.getBackup(snapshotId(c))) },
  { method: 'POST', path: '/api/v1/backups', access: 'admin', handle: startBackup },
  { method: 'POST', path: '/api/v1/backups/:id/verify', access: 'admin', handle: (c) => accepted(c, c.core.startVerify(snapshotId(c))) },
  {
    method: 'POST', path: '/api/v1/jobs/current/cancel', access: 'admin',
    handle: async (c) => ok(c, { cancelled: await c.core.cancelCurrent() }),
  },
  { method: 'GET', path: '/api/v1/jobs/:id/log', access: 'admin', handle: (c) => streamJobLog(c.core, c.params.id, c.res, c.heartbeatMs) },
  { method: 'GET', path: '/api/v1/settings', access: 'admin', handle: (c) => ok(c, c.core.settings()) },
  { method: 'GET', path: '/api/v1/schedule/preview', access: 'admin', handle: schedulePreview },
  { method: 'GET', path: '/api/v1/retention/preview', access: 'admin', handle: retentionPreview },
  { method: 'GET', path: '/api/v1/destinations', access: 'admin', handle: (c) => ok(c, c.core.destinations()) },
  // A POST: it writes (and removes) a probe object in each repository, so a cookie request needs the CSRF header.
  { method: 'POST', path: '/api/v1/destinations/test', access: 'admin', handle: (c) => ok(c, c.core.testDestinations()) },
  { method: 'POST', path: '/api/v1/slash', access: 'open', handle: slash },
];

/** POST backups {only?: ["db" | "config" | "files", ...]} → 202 {jobId}. */
async function startBackup(ctx: RouteContext): Promise<void> {
  const body = await readJsonObject(ctx.req);
  const only = body.only;
  if (only === undefined) return accepted(ctx, ctx.core.startBackup());
  const known = new Set<string>(ALL_COMPONENTS);
  if (!Array.isArray(only) || only.length === 0 || !only.every((c) => typeof c === 'string' && known.has(c))) {
    throw new HttpError(400, 'BAD_COMPONENTS', `"only" must be a non-empty list of ${ALL_COMPONENTS.join(', ')}`);
  }
  return accepted(ctx, ctx.core.startBackup(only as ComponentName[]));
}

/**
 * Mattermost posts the slash command as a form. Not session-authenticated: Mattermost's server calls it,
 * and the core checks the command's token and the invoking user.
 */
async function slash(ctx: RouteContext): Promise<void> {
  if (mediaType(ctx.req) !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the slash command endpoint takes application/x-www-form-urlencoded',
      'set the /backup command\'s request method to POST');
  }
  const reply = await ctx.core.handleSlash(await readBody(ctx.req));
  sendJson(ctx.res, reply.status, reply.body);
}

/** Snapshot ids are hex; refusing anything else here keeps odd strings out of repository paths and logs. */
function snapshotId(ctx: RouteContext): string {
  const id = ctx.params.id;
  if (!/^[0-9a-f]{1,64}$/.test(id) && id !== 'latest') {
    throw new HttpError(400, 'BAD_SNAPSHOT_ID', `"${id.slice(0, 80)}" is not a snapshot id`, 'see GET /api/v1/backups for the ids');
  }
  return id;
}

/** The route for a method and path, with its params; `allowed` lists the methods the path takes otherwise. */
export function matchRoute(method: string, path: string): { route?: Route; params: Record<string, string>; allowed: string[] } {
  const segments = path.split('/').filter(Boolean);
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method === method) return { route, params, allowed };
    allowed.push(route.method);
  }
  return { params: {}, allowed };
}

function matchPath(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].startsWith(':')) params[parts[i].slice(1)] = segments[i];
    else if (parts[i] !== segments[i]) return undefined;
  }
  return params;
}
