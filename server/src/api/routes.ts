/**
 * The API's routes: method, path under the mount point, who may call it, and the handler. Handlers turn the
 * request into one core call and the result into JSON; validation of input happens here so the core only sees
 * well-formed arguments.
 */
import type * as http from 'node:http';
import type { CommandRequest } from '@backup-dr/wire';
import { ALL_COMPONENTS, type ComponentName } from '../repository/snapshots';
import { readJsonObject } from './body';
import type { BridgeCore, Requester } from './core';
import { streamEvents } from './events';
import { streamJobLog } from './log-stream';
import { retentionPreview, schedulePreview } from './preview-routes';
import { HttpError, sendJson, sendText } from './respond';

/** plugin: the plugin's secret (./auth), on behalf of a system admin; metrics: the optional metrics token; open: anyone. */
export type Access = 'plugin' | 'metrics' | 'open';

export interface RouteContext {
  core: BridgeCore;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  params: Record<string, string>;
  /** The user the plugin forwarded the request for (plugin routes only). */
  requester: Requester;
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
  { method: 'GET', path: '/api/v1/status', access: 'plugin', handle: (c) => ok(c, c.core.status()) },
  { method: 'GET', path: '/api/v1/backups', access: 'plugin', handle: (c) => ok(c, c.core.listBackups()) },
  { method: 'GET', path: '/api/v1/backups/:id', access: 'plugin', handle: (c) => ok(c, c.core.getBackup(snapshotId(c))) },
  { method: 'POST', path: '/api/v1/backups', access: 'plugin', handle: startBackup },
  { method: 'POST', path: '/api/v1/backups/:id/verify', access: 'plugin', handle: (c) => accepted(c, c.core.startVerify(snapshotId(c), c.requester)) },
  {
    method: 'POST', path: '/api/v1/jobs/current/cancel', access: 'plugin',
    handle: async (c) => ok(c, { cancelled: await c.core.cancelCurrent() }),
  },
  { method: 'GET', path: '/api/v1/jobs/:id/log', access: 'plugin', handle: (c) => streamJobLog(c.core, c.params.id, c.res, c.heartbeatMs) },
  { method: 'GET', path: '/api/v1/settings', access: 'plugin', handle: (c) => ok(c, c.core.settings()) },
  { method: 'GET', path: '/api/v1/schedule/preview', access: 'plugin', handle: schedulePreview },
  { method: 'GET', path: '/api/v1/retention/preview', access: 'plugin', handle: retentionPreview },
  { method: 'GET', path: '/api/v1/destinations', access: 'plugin', handle: (c) => ok(c, c.core.destinations()) },
  // A POST: it writes (and removes) a probe object in each repository (Mattermost requires CSRF for it).
  { method: 'POST', path: '/api/v1/destinations/test', access: 'plugin', handle: (c) => ok(c, c.core.testDestinations()) },
  { method: 'POST', path: '/api/v1/commands', access: 'plugin', handle: command },
  { method: 'GET', path: '/api/v1/events', access: 'plugin', handle: (c) => streamEvents(c.core.events, c.req, c.res, c.heartbeatMs) },
];

/** POST backups {only?: ["db" | "config" | "files", ...]} → 202 {jobId}. */
async function startBackup(ctx: RouteContext): Promise<void> {
  const body = await readJsonObject(ctx.req);
  const only = body.only;
  if (only === undefined) return accepted(ctx, ctx.core.startBackup(undefined, ctx.requester));
  const known = new Set<string>(ALL_COMPONENTS);
  if (!Array.isArray(only) || only.length === 0 || !only.every((c) => typeof c === 'string' && known.has(c))) {
    throw new HttpError(400, 'BAD_COMPONENTS', `"only" must be a non-empty list of ${ALL_COMPONENTS.join(', ')}`);
  }
  return accepted(ctx, ctx.core.startBackup(only as ComponentName[], ctx.requester));
}

/**
 * POST /api/v1/commands: a /backup invocation the plugin has checked (the caller is a system admin) →
 * 200 {text}, the ephemeral answer.
 */
async function command(ctx: RouteContext): Promise<void> {
  const body = await readJsonObject(ctx.req);
  const text = (key: string, required: boolean): string => {
    const value = body[key];
    if (value === undefined && !required) return '';
    if (typeof value !== 'string' || (required && value === '')) {
      throw new HttpError(400, 'BAD_COMMAND', `"${key}" must be ${required ? 'a non-empty' : 'a'} string`, 'the body is {userId, username, channelId, teamId, rootId?, text}');
    }
    return value;
  };
  const request: CommandRequest = {
    userId: text('userId', true), username: text('username', true), channelId: text('channelId', true), teamId: text('teamId', false),
    text: text('text', false),
  };
  const rootId = text('rootId', false);
  if (rootId) request.rootId = rootId;
  ok(ctx, ctx.core.command(request));
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
