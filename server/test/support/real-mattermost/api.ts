/** The few REST calls the launcher makes on a fresh server (plain fetch: the answers' headers and cookies matter). */
import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import * as path from 'node:path';

export interface MattermostUser {
  id: string;
  username: string;
  password: string;
  /** A session token for `Authorization: Bearer <token>`. */
  token: string;
}

export interface LoginSession {
  userId: string;
  token: string;
  /** The cookies a browser gets at login: MMAUTHTOKEN (the session), MMUSERID and MMCSRF (the CSRF token). */
  cookies: Record<string, string>;
  /** `Cookie` header value carrying all of them, for browser-like requests. */
  cookieHeader: string;
  /** MMCSRF's value: what a browser-like request sends as X-CSRF-Token with its cookies. */
  csrfToken: string;
}

export class MattermostApiError extends Error {
  constructor(readonly status: number, readonly method: string, readonly apiPath: string, readonly body: string) {
    super(`${method} ${apiPath} answered HTTP ${status}: ${body.slice(0, 500)}`);
  }
}

export interface RequestOptions {
  token?: string;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
}

/** Calls the API and returns the answer with its parsed JSON body; a non-2xx answer throws MattermostApiError. */
export async function apiRequest<T = unknown>(url: string, method: string, apiPath: string, options: RequestOptions = {}): Promise<{ response: Response; body: T }> {
  const headers: Record<string, string> = { 'X-Requested-With': 'XMLHttpRequest', ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | FormData | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) body = options.form;
  const response = await fetch(`${url}${apiPath}`, { method, headers, body, signal: AbortSignal.timeout(120000) });
  const text = await response.text();
  if (!response.ok) throw new MattermostApiError(response.status, method, apiPath, text);
  return { response, body: (text ? JSON.parse(text) : undefined) as T };
}

export function newCredentials(prefix: string): { username: string; password: string; email: string } {
  const username = `${prefix}${randomBytes(4).toString('hex')}`;
  return { username, password: `Pw-${randomBytes(12).toString('base64url')}`, email: `${username}@example.com` };
}

export async function login(url: string, username: string, password: string): Promise<LoginSession> {
  const { response, body } = await apiRequest<{ id: string }>(url, 'POST', '/api/v4/users/login', { json: { login_id: username, password } });
  const token = response.headers.get('Token');
  if (!token) throw new Error(`POST /api/v4/users/login for ${username} answered no Token header`);
  const cookies: Record<string, string> = {};
  for (const setCookie of response.headers.getSetCookie()) {
    const [pair] = setCookie.split(';');
    const at = pair.indexOf('=');
    cookies[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  for (const name of ['MMAUTHTOKEN', 'MMCSRF']) {
    if (!cookies[name]) throw new Error(`POST /api/v4/users/login for ${username} set no ${name} cookie (got ${Object.keys(cookies).join(', ') || 'none'})`);
  }
  const cookieHeader = Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join('; ');
  return { userId: body.id, token, cookies, cookieHeader, csrfToken: cookies.MMCSRF };
}

/** Creates a user (by `adminToken`, or as the very first user, who becomes the system admin) and logs it in. */
export async function createUser(url: string, prefix: string, adminToken?: string): Promise<MattermostUser> {
  const credentials = newCredentials(prefix);
  const { body } = await apiRequest<{ id: string }>(url, 'POST', '/api/v4/users', { token: adminToken, json: credentials });
  const session = await login(url, credentials.username, credentials.password);
  return { id: body.id, username: credentials.username, password: credentials.password, token: session.token };
}

export async function createTeam(url: string, token: string): Promise<{ id: string; name: string }> {
  const name = `backup-dr-${randomBytes(4).toString('hex')}`;
  const { body } = await apiRequest<{ id: string; name: string }>(url, 'POST', '/api/v4/teams', { token, json: { name, display_name: 'Backup DR', type: 'O' } });
  return { id: body.id, name: body.name };
}

export async function addToTeam(url: string, token: string, teamId: string, userId: string): Promise<void> {
  await apiRequest(url, 'POST', `/api/v4/teams/${teamId}/members`, { token, json: { team_id: teamId, user_id: userId } });
}

/** Uploads a plugin bundle (.tar.gz), replacing one with the same id; streams the file from disk. */
export async function uploadPlugin(url: string, token: string, bundlePath: string): Promise<{ id: string; version: string }> {
  const form = new FormData();
  form.append('plugin', await openAsBlob(bundlePath), path.basename(bundlePath));
  form.append('force', 'true');
  const { body } = await apiRequest<{ id: string; version: string }>(url, 'POST', '/api/v4/plugins', { token, form });
  return body;
}

export async function enablePlugin(url: string, token: string, id: string): Promise<void> {
  await apiRequest(url, 'POST', `/api/v4/plugins/${encodeURIComponent(id)}/enable`, { token });
}
