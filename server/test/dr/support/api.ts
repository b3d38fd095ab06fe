/** Plain fetch calls to Mattermost's REST API (v4), as a browser or script makes them. */
import { createHash } from 'node:crypto';

export interface Session {
  url: string;
  token: string;
  userId: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, what: string, body: string) {
    super(`${what} answered HTTP ${status}: ${body.slice(0, 400)}`);
  }
}

function headers(token?: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'X-Requested-With': 'XMLHttpRequest', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

export async function call<T = any>(url: string, method: string, route: string, token?: string, json?: unknown): Promise<T> {
  const res = await fetch(`${url}/api/v4${route}`, {
    method,
    headers: headers(token, json === undefined ? {} : { 'Content-Type': 'application/json' }),
    body: json === undefined ? undefined : JSON.stringify(json),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (!res.ok) throw new ApiError(res.status, `${method} ${route}`, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function upload<T = any>(url: string, route: string, token: string, form: FormData): Promise<T> {
  const res = await fetch(`${url}/api/v4${route}`, { method: 'POST', headers: headers(token), body: form, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  if (!res.ok) throw new ApiError(res.status, `POST ${route}`, text);
  return JSON.parse(text) as T;
}

/** Downloads `route` and returns the SHA-256 of its bytes with their length. */
export async function download(url: string, route: string, token: string): Promise<{ sha256: string; size: number }> {
  const res = await fetch(`${url}/api/v4${route}`, { headers: headers(token), signal: AbortSignal.timeout(60_000) });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new ApiError(res.status, `GET ${route}`, bytes.toString('utf8'));
  return { sha256: sha256(bytes), size: bytes.length };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function login(url: string, username: string, password: string): Promise<Session> {
  const res = await fetch(`${url}/api/v4/users/login`, { method: 'POST', headers: headers(undefined, { 'Content-Type': 'application/json' }), body: JSON.stringify({ login_id: username, password }) });
  const text = await res.text();
  const token = res.headers.get('token');
  if (!res.ok || !token) throw new ApiError(res.status, `login of ${username}`, text);
  return { url, token, userId: JSON.parse(text).id };
}
