/**
 * Serves one `/backup` invocation: token, then admin check, then the subcommand, answered at once with an
 * ephemeral message. Long work (backup, verify) is only started here; its outcome is reported later through the
 * response_url (completion.ts) by whoever runs the job. Never throws for a user's mistake: every refusal is an
 * answer. Errors from the injected deps are turned into a reply naming the step, code and fix.
 */
import { asMmBackupError } from '../common/errors';
import { redact } from '../common/redact';
import { parseCommand, type SlashCommand } from './commands';
import type { BackupRequester, SlashDeps, StartResult } from './deps';
import * as replies from './replies';
import { verifyToken, type SlashRequest } from './request';
import { ephemeral, type SlashResponse, type SlashResult } from './response';

export type { SlashResult } from './response';

/** Told to whoever presents a wrong token; deliberately says nothing about the bridge or its tokens. */
export const BAD_TOKEN = 'This /backup command is not recognised by the backup bridge.';

/**
 * Answers an invocation. `now` (optional) is the clock for relative times, for tests.
 * Contract: status 401 exactly when the token matches none of deps.commandTokens(); otherwise 200, with a
 * refusal for non-admins (nothing is started or read for them).
 */
export async function handleSlash(request: SlashRequest, deps: SlashDeps, now: () => Date = () => new Date()): Promise<SlashResult> {
  if (!verifyToken(request.token, deps.commandTokens())) return { status: 401, body: ephemeral(BAD_TOKEN) };
  try {
    if (!(await deps.isSystemAdmin(request.userId))) return ok(replies.NOT_ADMIN);
    return { status: 200, body: await run(parseCommand(request.text), request, deps, now) };
  } catch (err) {
    return ok(failureText(err));
  }
}

async function run(command: SlashCommand, request: SlashRequest, deps: SlashDeps, now: () => Date): Promise<SlashResponse> {
  switch (command.kind) {
    case 'help': return ephemeral(replies.help(command.problem));
    case 'restore': return ephemeral(replies.restoreInstructions(command.id));
    case 'status': return ephemeral(replies.formatStatus(await deps.status(), now()));
    case 'list': return ephemeral(replies.formatList(await deps.list(command.limit), now()));
    case 'now': {
      const started = await deps.startBackup(command.components, requester(request));
      return ephemeral(startedText(started, (jobId) => replies.backupStarted(jobId, command.components)));
    }
    case 'verify': {
      const started = await deps.startVerify(command.id, requester(request));
      return ephemeral(startedText(started, (jobId) => replies.verifyStarted(jobId, command.id)));
    }
  }
}

function startedText(result: StartResult, started: (jobId: string) => string): string {
  return 'busy' in result ? replies.busy(result.busy) : started(result.jobId);
}

function requester(request: SlashRequest): BackupRequester {
  return { userId: request.userId, userName: request.userName, channelId: request.channelId, responseUrl: request.responseUrl };
}

/** An unexpected failure still gets a specific, redacted answer rather than Mattermost's generic error. */
function failureText(err: unknown): string {
  const error = asMmBackupError(err, 'slash-command');
  return redact(`Sorry, that failed at step ${error.step} (${error.code}): ${error.message}${error.fix ? `\nFix: ${error.fix}` : ''}`);
}

function ok(text: string): SlashResult {
  return { status: 200, body: ephemeral(text) };
}
