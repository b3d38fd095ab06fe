/**
 * Who may call the API: a Mattermost system admin, proven by the same credentials Mattermost accepts.
 *
 * - `Authorization: Bearer <token>` (a personal access token, for scripts), or the browser's `MMAUTHTOKEN`
 *   session cookie, which reaches the bridge because the reverse proxy serves it on Mattermost's origin.
 * - The token is validated by Mattermost itself (GET /api/v4/users/me with it as Bearer). Answers are cached
 *   briefly, keyed by a hash of the token, so a console page that makes ten calls costs one lookup; the
 *   cache is bounded so unknown tokens cannot grow it without limit.
 * - A cookie is sent by the browser on any request to the origin, including ones a hostile page triggers, so
 *   a state-changing request authenticated by cookie must also carry `X-CSRF-Token` equal to the `MMCSRF`
 *   cookie (which only same-origin script can read), as Mattermost requires for its own API. A Bearer token
 *   is never sent automatically, so it needs no CSRF check.
 *
 * Outcomes: no or invalid token → 401; valid token of a non-admin, or a CSRF failure → 403; Mattermost
 * unreachable → 503 (the bridge cannot tell who is calling, and must not claim the token is bad).
 * Tokens are registered as secrets before anything else happens to them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';
import { MmBackupError } from '../common/errors';
import { registerSecret } from '../common/redact';
import type { SessionUser } from '../mattermost-api/client';
import { HttpError } from './respond';

/** The one Mattermost call authentication needs (MattermostApi implements it). */
export interface SessionLookup {
  sessionUser(token: string): Promise<SessionUser>;
}

export interface AuthOptions {
  api: SessionLookup;
  /** How long a validated token is trusted without asking Mattermost again. Default 30 s. */
  cacheMs?: number;
  /** Most tokens remembered at once; the oldest is dropped first. Default 1000. */
  cacheSize?: number;
  now?: () => number;
}

/** A request's verified caller. */
export interface Caller {
  user: SessionUser;
  via: 'bearer' | 'cookie';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class Authenticator {
  private readonly cache = new Map<string, { expires: number; user: Promise<SessionUser> }>();
  private readonly cacheMs: number;
  private readonly cacheSize: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthOptions) {
    this.cacheMs = options.cacheMs ?? 30_000;
    this.cacheSize = options.cacheSize ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The system admin behind the request; throws HttpError 401/403/503 otherwise (see the module comment). */
  async requireAdmin(req: http.IncomingMessage): Promise<Caller> {
    const credential = credentialOf(req);
    if (!credential) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'sign in to Mattermost, or send Authorization: Bearer <personal access token>',
        'open this page from the System Console while signed in as a system admin, or create a personal access token');
    }
    const user = await this.lookup(credential.token);
    if (!user.isSystemAdmin) {
      throw new HttpError(403, 'FORBIDDEN', `${user.username} is not a system admin`, 'ask a system admin; only they can manage backups');
    }
    if (credential.via === 'cookie' && !SAFE_METHODS.has(req.method ?? 'GET')) checkCsrf(req);
    return { user, via: credential.via };
  }

  /** Mattermost's answer for a token, from the cache when fresh. Concurrent lookups of one token share a call. */
  private lookup(token: string): Promise<SessionUser> {
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now()) return hit.user;
    this.cache.delete(key);
    const user = this.options.api.sessionUser(token).catch((err: unknown) => {
      this.cache.delete(key); // only successful answers are cached: a network blip must not lock an admin out
      throw authFailure(err);
    });
    this.remember(key, user);
    return user;
  }

  private remember(key: string, user: Promise<SessionUser>): void {
    while (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
    this.cache.set(key, { expires: this.now() + this.cacheMs, user });
  }
}

/** The token a request carries: a Bearer header wins over the cookie, as in Mattermost. */
export function credentialOf(req: http.IncomingMessage): { token: string; via: Caller['via'] } | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    registerSecret(token);
    // A malformed Authorization header is a client mistake: do not silently fall back to the cookie.
    return token ? { token, via: 'bearer' } : undefined;
  }
  const token = parseCookies(req.headers.cookie).MMAUTHTOKEN;
  registerSecret(token);
  return token ? { token, via: 'cookie' } : undefined;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    try {
      out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a cookie another app set with bad escaping is not ours to reject the request over
    }
  }
  return out;
}

/** Compares in constant time (of the digests), so the response time does not reveal how much matched. */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

function checkCsrf(req: http.IncomingMessage): void {
  const expected = parseCookies(req.headers.cookie).MMCSRF;
  const sent = req.headers['x-csrf-token'];
  if (!expected || typeof sent !== 'string' || !safeEqual(sent, expected)) {
    throw new HttpError(403, 'CSRF', 'the X-CSRF-Token header is missing or does not match the MMCSRF cookie',
      'send X-CSRF-Token with the value of the MMCSRF cookie (the System Console pages do this)');
  }
}

function authFailure(err: unknown): HttpError | unknown {
  if (!(err instanceof MmBackupError)) return err;
  if (err.code === 'MM_UNAUTHORIZED') {
    return new HttpError(401, 'UNAUTHENTICATED', 'Mattermost does not accept this session or token', err.fix);
  }
  if (err.code === 'MM_UNREACHABLE') {
    return new HttpError(503, 'MM_UNREACHABLE', 'cannot check the session: Mattermost is unreachable from the bridge', err.fix);
  }
  return err;
}
