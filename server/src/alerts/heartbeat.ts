/**
 * The external heartbeat: a ping to a dead man's switch service outside Mattermost, so that silence is noticed
 * even when Mattermost (and with it the ops channel) is down.
 *
 * URLs follow healthchecks.io's ping API, which Uptime Kuma push monitors, Cronitor and others accept too:
 *   start   → GET <url>/start   (a run began; the service can time it and notice one that never ends)
 *   success → GET <url>         (a good backup: resets the service's timer)
 *   fail    → GET <url>/fail    (a failed run: alert at once instead of waiting for the grace time)
 * A query string on the configured URL is kept (e.g. ?rid=...), the suffix goes on the path. Credentials in the
 * URL (https://user:pass@host/...) are sent as HTTP Basic authentication, since fetch refuses them in the URL.
 */
import { redact } from '../common/redact';

export type HeartbeatEvent = 'start' | 'success' | 'fail';

export interface HeartbeatOptions {
  /** Give up after this long; default 10 s. A slow heartbeat service must not hold up a backup. */
  timeoutMs?: number;
}

/** `ok` with the HTTP status, or `error` saying what failed (redacted: the URL's path is often the secret). */
export type HeartbeatResult = { ok: true; status: number } | { ok: false; error: string };

export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;

/** The URL to GET for an event, per the table above; throws TypeError on a URL that does not parse. */
export function heartbeatUrl(url: string, event: HeartbeatEvent): string {
  const target = new URL(url);
  if (event !== 'success') target.pathname = `${target.pathname.replace(/\/+$/, '')}/${event}`;
  return target.toString();
}

/**
 * Pings the heartbeat URL for `event`. Never throws and never rejects: a heartbeat is a side channel, and its
 * failure must not fail the backup it reports on. A status other than 2xx counts as a failure.
 */
export async function pingHeartbeat(url: string, event: HeartbeatEvent, options: HeartbeatOptions = {}): Promise<HeartbeatResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
  let target: string;
  try {
    target = heartbeatUrl(url, event);
  } catch {
    return { ok: false, error: 'heartbeat URL is not a valid absolute URL: fix the external heartbeat URL setting' };
  }
  // Name only the origin: services such as healthchecks.io put the check's secret uuid in the path.
  const where = `heartbeat ${event} ping to ${new URL(target).origin}`;
  try {
    const { href, headers } = withoutCredentials(target);
    const response = await fetch(href, { method: 'GET', headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    await response.body?.cancel(); // the body is not needed; releasing it frees the connection
    if (response.ok) return { ok: true, status: response.status };
    return { ok: false, error: redact(`${where} answered ${response.status} ${response.statusText}`.trim()) };
  } catch (err) {
    return { ok: false, error: redact(`${where} failed: ${describe(err, timeoutMs)}`) };
  }
}

/** Moves user:password out of the URL into a Basic Authorization header, which fetch accepts. */
function withoutCredentials(target: string): { href: string; headers: Record<string, string> } {
  const url = new URL(target);
  if (!url.username && !url.password) return { href: target, headers: {} };
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return { href: url.toString(), headers: { Authorization: `Basic ${Buffer.from(pair).toString('base64')}` } };
}

/** fetch's errors say "fetch failed" and hide the reason in `cause`; timeouts are a TimeoutError. */
function describe(err: unknown, timeoutMs: number): string {
  const error = err as { name?: string; message?: string; cause?: { code?: string; message?: string } } | null;
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = error?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return error?.message ?? String(err);
}
