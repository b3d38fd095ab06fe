/**
 * The endpoints the test server implements, keyed by "METHOD template" with the spec's own path templates, so a
 * request reaches a handler only after the spec recognised it. Handlers see an authenticated user (the server
 * answers 401 before calling them, except for PUBLIC_ROUTES) and either return {status, body} or throw
 * ApiFailure, which the server turns into Mattermost's AppError body. Status codes and error ids follow the real
 * server's for the cases modelled here.
 */
import { randomBytes } from 'node:crypto';
import { type MattermostState, type MmCommand, type MmPost, type MmUser, newId, userJson } from './state';

export interface RouteContext {
  state: MattermostState;
  user: MmUser;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body, already checked against the spec (so handlers may trust its shape). */
  body: any;
}
export interface RouteResult { status: number; body: unknown }
export type Handler = (ctx: RouteContext) => RouteResult;

/** An error the handler means: becomes an AppError body with this status. */
export class ApiFailure extends Error {
  constructor(readonly status: number, readonly id: string, message: string) {
    super(message);
  }
}

/** Routes reachable without a session (Mattermost: "Authentication is not required"). */
export const PUBLIC_ROUTES = new Set(['GET /api/v4/system/ping']);

const ok = (body: unknown, status = 200): RouteResult => ({ status, body });

function forbidden(permission: string): ApiFailure {
  return new ApiFailure(403, 'api.context.permissions.app_error', `You do not have the appropriate permissions. (needs ${permission})`);
}

function requirePermission(ctx: RouteContext, permission: string): void {
  if (!ctx.state.can(ctx.user, permission)) throw forbidden(permission);
}

function notFound(what: string): ApiFailure {
  return new ApiFailure(404, 'app.not_found', `Unable to find the ${what}.`);
}

function getUser(ctx: RouteContext): RouteResult {
  const id = ctx.params.user_id === 'me' ? ctx.user.id : ctx.params.user_id;
  const user = ctx.state.users.get(id);
  if (!user) throw notFound('user');
  return ok(userJson(user));
}

function teamsVisibleTo(ctx: RouteContext) {
  const all = [...ctx.state.teams.values()].filter((t) => t.delete_at === 0);
  // Real behaviour: manage_system sees every team, others only open ones.
  return ctx.state.can(ctx.user, 'manage_system') ? all : all.filter((t) => t.allow_open_invite);
}

function getTeams(ctx: RouteContext): RouteResult {
  const page = Number(ctx.query.get('page') ?? 0);
  const perPage = Math.min(Number(ctx.query.get('per_page') ?? 60), 200);
  return ok(teamsVisibleTo(ctx).slice(page * perPage, (page + 1) * perPage));
}

function getUserTeams(ctx: RouteContext): RouteResult {
  const id = ctx.params.user_id === 'me' ? ctx.user.id : ctx.params.user_id;
  if (id !== ctx.user.id) requirePermission(ctx, 'edit_other_users');
  return ok([...ctx.state.teams.values()].filter((t) => ctx.state.isTeamMember(t.id, id)));
}

function channelByName(ctx: RouteContext): RouteResult {
  const team = ctx.state.teamByName(ctx.params.team_name);
  const channel = team && ctx.state.channelByName(team.id, ctx.params.channel_name);
  const includeDeleted = ctx.query.get('include_deleted') === 'true';
  if (!team || !channel || (channel.delete_at !== 0 && !includeDeleted)) throw notFound('channel');
  const readable = ctx.state.can(ctx.user, 'read_channel') || ctx.state.isChannelMember(channel.id, ctx.user.id)
    || (channel.type === 'O' && ctx.state.isTeamMember(team.id, ctx.user.id));
  if (!readable) throw forbidden('read_channel');
  return ok(channel);
}

function addChannelMember(ctx: RouteContext): RouteResult {
  const channel = ctx.state.channels.get(ctx.params.channel_id);
  // 400, not 404: AddChannelMember documents no 404.
  if (!channel) throw new ApiFailure(400, 'api.context.invalid_url_param.app_error', 'Invalid or missing channel_id in request URL.');
  const userId: string | undefined = ctx.body.user_id ?? ctx.body.user_ids?.[0];
  if (!userId || !ctx.state.users.has(userId)) throw new ApiFailure(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing user_id in request body.');
  const self = userId === ctx.user.id;
  const permission = channel.type === 'O' ? (self ? 'join_public_channels' : 'manage_public_channel_members') : 'manage_private_channel_members';
  const mayJoinOpen = self && channel.type === 'O' && ctx.state.isTeamMember(channel.team_id, userId);
  if (!mayJoinOpen && !ctx.state.can(ctx.user, permission)) throw forbidden(permission);
  if (!ctx.state.isTeamMember(channel.team_id, userId)) {
    throw new ApiFailure(403, 'api.channel.add_user.to.channel.failed.deleted.app_error', 'The user is not a member of the channel\'s team.');
  }
  ctx.state.addChannelMember(channel.id, userId);
  return ok({
    channel_id: channel.id, user_id: userId, roles: 'channel_user', last_viewed_at: 0, msg_count: 0, mention_count: 0,
    notify_props: { desktop: 'default', email: 'default', mark_unread: 'all', push: 'default' }, last_update_at: Date.now(),
  }, 201);
}

function newPost(ctx: RouteContext, fields: { channel_id: string; message: string; props?: unknown; root_id?: string }): MmPost {
  const channel = ctx.state.channels.get(fields.channel_id);
  if (!channel) throw new ApiFailure(400, 'api.context.invalid_param.app_error', 'Invalid channel_id parameter.');
  const now = Date.now();
  const post: MmPost = {
    id: newId(), channel_id: channel.id, user_id: ctx.user.id, message: fields.message,
    props: (fields.props as Record<string, unknown> | undefined) ?? {}, root_id: fields.root_id ?? '',
    create_at: now, update_at: now, delete_at: 0, type: '',
  };
  return post;
}

function createPost(ctx: RouteContext): RouteResult {
  const post = newPost(ctx, ctx.body);
  if (!ctx.state.isChannelMember(post.channel_id, ctx.user.id) && !ctx.state.can(ctx.user, 'create_post')) throw forbidden('create_post');
  ctx.state.posts.push(post);
  return ok(post, 201);
}

function createEphemeralPost(ctx: RouteContext): RouteResult {
  requirePermission(ctx, 'create_post_ephemeral');
  const post = { ...newPost(ctx, ctx.body.post), type: 'system_ephemeral', ephemeral_for: ctx.body.user_id as string };
  ctx.state.posts.push(post);
  const { ephemeral_for: _hidden, ...wire } = post;
  return ok(wire, 201);
}

/** Mattermost's built-in commands, listed alongside custom ones when custom_only is not set. */
const SYSTEM_TRIGGERS = ['away', 'echo', 'help'];

function listCommands(ctx: RouteContext): RouteResult {
  const teamId = ctx.query.get('team_id');
  if (!teamId) throw new ApiFailure(400, 'api.context.invalid_param.app_error', 'Invalid or missing team_id parameter in request URL.');
  if (!ctx.state.teams.has(teamId)) throw new ApiFailure(400, 'api.context.invalid_param.app_error', 'Unknown team_id.');
  const customOnly = ctx.query.get('custom_only') === 'true';
  const mayManage = ctx.state.can(ctx.user, 'manage_slash_commands');
  if (customOnly && !mayManage) throw forbidden('manage_slash_commands');
  const custom = mayManage ? [...ctx.state.commands.values()].filter((c) => c.team_id === teamId && c.delete_at === 0) : [];
  const system = SYSTEM_TRIGGERS.map((trigger) => ({ trigger, auto_complete: true, display_name: trigger, team_id: '' }));
  return ok(customOnly ? custom : [...system, ...custom]);
}

function validateCommandFields(body: Record<string, unknown>): void {
  if (!/^[^/\s][^\s]{0,127}$/.test(String(body.trigger ?? ''))) {
    throw new ApiFailure(400, 'model.command.is_valid.trigger.app_error', 'Invalid trigger.');
  }
  if (body.method !== 'P' && body.method !== 'G') throw new ApiFailure(400, 'model.command.is_valid.method.app_error', 'Invalid method.');
  if (!/^https?:\/\/./.test(String(body.url ?? ''))) throw new ApiFailure(400, 'model.command.is_valid.url_http.app_error', 'Invalid URL. Must be a valid URL and start with http:// or https://.');
}

function createCommand(ctx: RouteContext): RouteResult {
  if (!ctx.state.teams.has(ctx.body.team_id)) throw new ApiFailure(400, 'api.context.invalid_param.app_error', 'Invalid team_id.');
  requirePermission(ctx, 'manage_slash_commands');
  validateCommandFields(ctx.body);
  const clash = [...ctx.state.commands.values()].some((c) => c.team_id === ctx.body.team_id && c.trigger === ctx.body.trigger && c.delete_at === 0);
  if (clash) throw new ApiFailure(400, 'api.command.duplicate_trigger.app_error', 'This trigger word is already in use.');
  const now = Date.now();
  const command: MmCommand = {
    username: '', icon_url: '', auto_complete: false, auto_complete_desc: '', auto_complete_hint: '', display_name: '', description: '',
    ...pickCommandFields(ctx.body),
    id: newId(), token: randomBytes(13).toString('hex').slice(0, 26), create_at: now, update_at: now, delete_at: 0,
    creator_id: ctx.user.id, team_id: ctx.body.team_id, trigger: ctx.body.trigger, method: ctx.body.method, url: ctx.body.url,
  };
  ctx.state.commands.set(command.id, command);
  return ok(command, 201);
}

const EDITABLE = ['trigger', 'method', 'url', 'username', 'icon_url', 'auto_complete', 'auto_complete_desc', 'auto_complete_hint', 'display_name', 'description'] as const;

function pickCommandFields(body: Record<string, unknown>): Partial<MmCommand> {
  return Object.fromEntries(EDITABLE.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])) as Partial<MmCommand>;
}

/**
 * The command named in the path, after the permission check. `missingStatus` follows the spec per method: GET
 * and DELETE document 404, PUT documents only 400 for a bad id.
 */
function existingCommand(ctx: RouteContext, missingStatus: 400 | 404 = 404): MmCommand {
  const command = ctx.state.commands.get(ctx.params.command_id);
  if (!command || command.delete_at !== 0) {
    throw new ApiFailure(missingStatus, 'api.command.invalid_command.app_error', 'Unable to find the command.');
  }
  requirePermission(ctx, 'manage_slash_commands');
  return command;
}

function getCommand(ctx: RouteContext): RouteResult {
  // The real server hides commands the caller may not manage behind a 404 (and GET documents no 403).
  if (!ctx.state.can(ctx.user, 'manage_slash_commands')) throw notFound('command');
  return ok(existingCommand(ctx));
}

function updateCommand(ctx: RouteContext): RouteResult {
  const command = existingCommand(ctx, 400);
  if (ctx.body.id !== command.id) throw new ApiFailure(400, 'api.context.invalid_param.app_error', 'The command id in the body does not match the URL.');
  if (ctx.body.team_id && ctx.body.team_id !== command.team_id) throw new ApiFailure(400, 'api.command.team_mismatch.app_error', 'Unable to update commands across teams.');
  const updated = { ...command, ...pickCommandFields(ctx.body), update_at: Date.now() };
  validateCommandFields(updated as unknown as Record<string, unknown>);
  ctx.state.commands.set(command.id, updated);
  return ok(updated);
}

function deleteCommand(ctx: RouteContext): RouteResult {
  const command = existingCommand(ctx);
  ctx.state.commands.set(command.id, { ...command, delete_at: Date.now() });
  return ok({ status: 'OK' });
}

function ping(): RouteResult {
  return ok({ status: 'OK', AndroidLatestVersion: '', AndroidMinVersion: '', IosLatestVersion: '', IosMinVersion: '' });
}

/** Handlers by "METHOD template" (templates exactly as in the spec). */
export const ROUTES: Record<string, Handler> = {
  'GET /api/v4/users/{user_id}': getUser,
  'GET /api/v4/users/{user_id}/teams': getUserTeams,
  'GET /api/v4/teams': getTeams,
  'GET /api/v4/teams/name/{team_name}/channels/name/{channel_name}': channelByName,
  'POST /api/v4/channels/{channel_id}/members': addChannelMember,
  'POST /api/v4/posts': createPost,
  'POST /api/v4/posts/ephemeral': createEphemeralPost,
  'GET /api/v4/commands': listCommands,
  'POST /api/v4/commands': createCommand,
  'GET /api/v4/commands/{command_id}': getCommand,
  'PUT /api/v4/commands/{command_id}': updateCommand,
  'DELETE /api/v4/commands/{command_id}': deleteCommand,
  'GET /api/v4/system/ping': ping,
};
