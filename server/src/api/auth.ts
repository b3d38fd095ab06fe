/**
 * Who may call the API: the plugin's server part, proven by the shared secret (protocol v1). Mattermost has
 * already authenticated the user behind a console request (session cookie with CSRF, or a personal access
 * token) and the plugin has required `manage_system` before it forwards; the bridge checks only that the
 * request comes through the plugin, and reads who it is for from the user headers (for the job log).
 *
 * The secret is the plugin setting BridgeSecret, which the plugin generates on activation and Mattermost
 * stores in its config; MMBACKUP_BRIDGE_SECRET in the bridge's environment overrides it. It is read on every
 * request, so a secret that appears on the settings poll (the plugin enabled after the bridge started) or a
 * regenerated one takes effect without a restart. Compared in constant time.
 *
 * Outcomes: no secret configured on the bridge → 503 BRIDGE_NO_SECRET; a missing or wrong
 * X-MMBackup-Secret → 401 BRIDGE_SECRET_MISMATCH.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';
import { PROTOCOL } from '@backup-dr/wire';
import type { Requester } from './core';
import { HttpError } from './respond';

/** The secret in force now, or undefined/"" when none is configured. */
export type SecretSource = () => string | undefined;

const SECRET_HEADER = PROTOCOL.headers.secret.toLowerCase();
const USER_ID_HEADER = PROTOCOL.headers.userId.toLowerCase();
const USERNAME_HEADER = PROTOCOL.headers.username.toLowerCase();

/** Checks the plugin secret; returns the user the request is made for (empty when the plugin sent none). */
export function requirePlugin(req: http.IncomingMessage, secret: SecretSource): Requester {
  const expected = secret();
  if (!expected) {
    throw new HttpError(503, PROTOCOL.errors.noSecret, 'the bridge has no plugin secret yet, so it cannot tell the plugin from anyone else',
      'enable the Backup & DR plugin in the System Console (it generates the secret, which the bridge reads from Mattermost\'s config within a minute), or set MMBACKUP_BRIDGE_SECRET in the bridge\'s environment file to the plugin\'s BridgeSecret');
  }
  // What a caller sends is not registered with redact(): an unauthenticated caller could grow that set without
  // bound, or blank out any word in the logs. The bridge's own secret is registered where it is read.
  const sent = header(req, SECRET_HEADER);
  if (!sent || !safeEqual(sent, expected)) {
    throw new HttpError(401, PROTOCOL.errors.secretMismatch, `the ${PROTOCOL.headers.secret} header is ${sent ? 'not the bridge\'s secret' : 'missing'}`,
      'the plugin and the bridge must share the plugin setting BridgeSecret: check MMBACKUP_BRIDGE_SECRET in the bridge\'s environment (remove it to use the plugin\'s), or that the bridge reads the same Mattermost config as the plugin');
  }
  const userId = header(req, USER_ID_HEADER);
  const username = header(req, USERNAME_HEADER);
  return { ...(userId ? { userId } : {}), ...(username ? { username } : {}) };
}

/** Compares in constant time (of the digests), so the response time does not reveal how much matched. */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}
