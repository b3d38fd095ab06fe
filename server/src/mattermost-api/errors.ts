/**
 * Turns what Client4 throws into MmBackupErrors (step 'mattermost-api') that name the endpoint, the status and
 * the fix. Client4 throws a ClientError carrying Mattermost's AppError fields for HTTP failures, and lets
 * fetch's TypeError ("fetch failed", the system error in `cause`) through for network failures.
 */
import { ClientError } from '@mattermost/client';
import { MmBackupError, systemCode } from '../common/errors';
import { redact } from '../common/redact';

export const STEP = 'mattermost-api';

/** What the failing call was, so the message and the fix can be specific. */
export interface CallContext {
  /** e.g. "POST /api/v4/commands" */
  endpoint: string;
  siteUrl: string;
  /** Whose token the call used: the bridge's bot token, or a user's session/personal access token. */
  credential: 'bot' | 'user';
  /** The Mattermost permission the endpoint requires, named in the 403 fix. */
  permission?: string;
}

export const BOT_TOKEN_FIX = 'the bot token is invalid or revoked: create a new one for the bot and put it in MMBACKUP_BOT_TOKEN';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps any error from a Client4 call to an MmBackupError; MmBackupErrors pass through unchanged. */
export function toMattermostError(err: unknown, call: CallContext): MmBackupError {
  if (err instanceof MmBackupError) return err;
  if (err instanceof ClientError && typeof err.status_code === 'number') return httpError(err, err.status_code, call);
  const code = networkCode(err);
  if (code) {
    return new MmBackupError({
      step: STEP, code: 'MM_UNREACHABLE', cause: err,
      message: redact(`${call.endpoint}: Mattermost at ${call.siteUrl} is unreachable (${code})`),
      fix: `check that Mattermost is running and that its site URL ${call.siteUrl} is right and reachable from this host`,
    });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new MmBackupError({
    step: STEP, code: 'MM_UNEXPECTED', cause: err,
    message: redact(`${call.endpoint}: unexpected failure talking to Mattermost at ${call.siteUrl}: ${detail}`),
  });
}

function httpError(err: ClientError, status: number, call: CallContext): MmBackupError {
  const serverSays = err.message ? `: ${err.message}${err.server_error_id ? ` (${err.server_error_id})` : ''}` : '';
  const message = redact(`${call.endpoint} answered ${status}${serverSays}`);
  const byStatus: Record<number, { code: string; fix: string }> = {
    401: {
      code: 'MM_UNAUTHORIZED',
      fix: call.credential === 'bot' ? BOT_TOKEN_FIX : 'the session or personal access token is invalid or expired: sign in to Mattermost again or create a new token',
    },
    403: {
      code: 'MM_FORBIDDEN',
      fix: call.credential === 'bot'
        ? `the bot lacks the ${call.permission ?? 'required'} permission: grant it in System Console > Integrations > Bot Accounts (or make the bot a system admin)`
        : `this account lacks the ${call.permission ?? 'required'} permission`,
    },
    404: { code: 'MM_NOT_FOUND', fix: 'check the name or id; the bot must be able to see it (member of the team, or a public channel)' },
  };
  const known = byStatus[status] ?? { code: `MM_HTTP_${status}`, fix: status >= 500 ? 'Mattermost failed: see its server log' : undefined };
  return new MmBackupError({ step: STEP, code: known.code, message, fix: known.fix, cause: err });
}

/** The system error code of a failed fetch (undici puts it on `cause`), if it is a network failure. */
function networkCode(err: unknown): string | undefined {
  const code = systemCode(err) ?? systemCode((err as { cause?: unknown } | null)?.cause);
  return code && NETWORK_CODES.has(code) ? code : undefined;
}

