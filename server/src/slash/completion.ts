/**
 * Reports the end of a job started from `/backup` to the invocation's response_url. Mattermost accepts JSON
 * (a CommandResponse) there for a limited time and number of uses; if it fails, the bridge still has the job's
 * result in its status and alerts, so this never throws: it says whether the report arrived.
 */
import type { MessageAttachment } from '@mattermost/types/message_attachments';
import { redact } from '../common/redact';
import { ephemeral } from './response';

/** Long enough for a loaded Mattermost, short enough not to hold a finished job's cleanup. */
export const COMPLETION_TIMEOUT_MS = 10_000;

export interface CompletionOutcome {
  delivered: boolean;
  /** HTTP status when Mattermost answered. */
  status?: number;
  /** Why it was not delivered, redacted (the response_url itself is a bearer capability, so it is never shown). */
  problem?: string;
}

/**
 * POSTs `{response_type: 'ephemeral', text, attachments?}` as JSON to `responseUrl`. Resolves (never rejects)
 * with whether a 2xx came back within `timeoutMs`.
 */
export async function reportCompletion(
  responseUrl: string, text: string,
  options: { attachments?: MessageAttachment[]; timeoutMs?: number } = {},
): Promise<CompletionOutcome> {
  if (!/^https?:\/\//i.test(responseUrl)) return { delivered: false, problem: 'no usable response_url was given' };
  try {
    const response = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(ephemeral(redact(text), options.attachments)),
      signal: AbortSignal.timeout(options.timeoutMs ?? COMPLETION_TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined); // drain, so the connection can be reused or closed
    if (response.ok) return { delivered: true, status: response.status };
    return { delivered: false, status: response.status, problem: `Mattermost answered ${response.status} (the response_url may have expired)` };
  } catch (err) {
    return { delivered: false, problem: describeFailure(err) };
  }
}

function describeFailure(err: unknown): string {
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'Mattermost did not answer in time';
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  const message = err instanceof Error ? err.message : String(err);
  // Strip URLs: a response_url carries its hook id, which lets anyone post into the channel until it expires.
  return redact(`${message}${cause ? ` (${cause})` : ''}`).replace(/https?:\/\/\S+/g, '<response_url>');
}
