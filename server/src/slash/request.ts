/**
 * The request Mattermost sends when someone runs a custom slash command, and the check of its token.
 *
 * Mattermost (server/channels/app/command.go) sends these as application/x-www-form-urlencoded in the body for
 * method POST, or in the query string for GET: token, team_id, team_domain, channel_id, channel_name, user_id,
 * user_name, command ("/backup"), text (what follows the trigger), trigger_id and response_url (a per-invocation
 * hook on Mattermost's site URL). It also sends the token as `Authorization: Token <token>`, and user/channel
 * mention fields we do not need.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { MmBackupError } from '../common/errors';
import { registerSecret } from '../common/redact';

export const STEP = 'slash-command';

/** One invocation of the slash command, in our field names. */
export interface SlashRequest {
  /** The command's token; compare it only with verifyToken(). Registered as a secret once parsed. */
  token: string;
  teamId: string;
  teamDomain: string;
  channelId: string;
  channelName: string;
  userId: string;
  userName: string;
  /** The trigger as typed, with its slash, e.g. "/backup". */
  command: string;
  /** Everything after the trigger, e.g. "now db"; may be empty. */
  text: string;
  /** Where a delayed answer may be POSTed (JSON); empty when Mattermost sent none. */
  responseUrl: string;
  triggerId: string;
}

/** Without these the request cannot be authenticated or attributed, so it is refused as malformed. */
const REQUIRED = ['token', 'user_id', 'channel_id', 'team_id'] as const;

/**
 * Parses the form-encoded body (or query string) of an invocation. `authorization` is the request's
 * Authorization header: its `Token <token>` is used when the form carries none.
 * Throws MmBackupError SLASH_BAD_REQUEST (the HTTP layer answers 400) when a required field is missing.
 */
export function parseSlashRequest(form: string | URLSearchParams, authorization?: string): SlashRequest {
  const params = typeof form === 'string' ? new URLSearchParams(form) : form;
  const field = (name: string): string => params.get(name) ?? '';
  const token = field('token') || (/^Token\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '');
  registerSecret(token);
  const missing = REQUIRED.filter((name) => (name === 'token' ? token : field(name)) === '');
  if (missing.length) {
    throw new MmBackupError({
      step: STEP, code: 'SLASH_BAD_REQUEST',
      message: `the slash command request lacks ${missing.join(', ')}`,
      fix: 'point only Mattermost custom slash commands at this endpoint (method POST, form-encoded)',
    });
  }
  return {
    token, teamId: field('team_id'), teamDomain: field('team_domain'), channelId: field('channel_id'),
    channelName: field('channel_name'), userId: field('user_id'), userName: field('user_name'),
    command: field('command'), text: field('text'), responseUrl: field('response_url'), triggerId: field('trigger_id'),
  };
}

/**
 * Whether `given` equals one of `expectedTokens`, in time that depends on neither the token's content nor on
 * which expected token matched: both sides are hashed to equal-length SHA-256 digests (timingSafeEqual needs
 * equal lengths, and hashing hides the real lengths) and every expected token is compared, without stopping at
 * the first match. An empty `given` never matches.
 */
export function verifyToken(given: string, expectedTokens: readonly string[]): boolean {
  const givenDigest = digest(given);
  let matched = false;
  for (const expected of expectedTokens) {
    // Non-short-circuiting on purpose: `||` would skip the remaining comparisons after a match.
    matched = timingSafeEqual(givenDigest, digest(expected)) || matched;
  }
  return matched && given.length > 0;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
