/**
 * Serves one `/backup` invocation that the plugin forwarded (POST /api/v1/commands): the plugin registered
 * the command, and Mattermost and the plugin have checked that the caller is a system admin, so the text is
 * all that is left to judge. Answered at once with the ephemeral Markdown; long work (backup, verify) is only
 * started here, and its outcome is told later by whoever runs the job (a `reply` event). Never throws for a
 * user's mistake: every refusal is an answer. Errors from the injected deps become a reply naming the step,
 * code and fix.
 */
import type { CommandReply, CommandRequest } from '@backup-dr/wire';
import { asMmBackupError } from '../common/errors';
import { redact } from '../common/redact';
import { parseCommand, type SlashCommand } from './commands';
import type { BackupRequester, SlashDeps, StartResult } from './deps';
import * as replies from './replies';

/** Answers an invocation. `now` (optional) is the clock for relative times, for tests. */
export async function handleCommand(request: CommandRequest, deps: SlashDeps, now: () => Date = () => new Date()): Promise<CommandReply> {
  try {
    return { text: await run(parseCommand(request.text), request, deps, now) };
  } catch (err) {
    return { text: failureText(err) };
  }
}

async function run(command: SlashCommand, request: CommandRequest, deps: SlashDeps, now: () => Date): Promise<string> {
  switch (command.kind) {
    case 'help': return replies.help(command.problem);
    case 'restore': return replies.restoreInstructions(command.id);
    case 'status': return replies.formatStatus(await deps.status(), now());
    case 'list': return replies.formatList(await deps.list(command.limit), now());
    case 'now': {
      const started = await deps.startBackup(command.components, requester(request));
      return startedText(started, (jobId) => replies.backupStarted(jobId, command.components));
    }
    case 'verify': {
      const started = await deps.startVerify(command.id, requester(request));
      return startedText(started, (jobId) => replies.verifyStarted(jobId, command.id));
    }
  }
}

function startedText(result: StartResult, started: (jobId: string) => string): string {
  return 'busy' in result ? replies.busy(result.busy) : started(result.jobId);
}

function requester(request: CommandRequest): BackupRequester {
  return { userId: request.userId, username: request.username, channelId: request.channelId, ...(request.rootId ? { rootId: request.rootId } : {}) };
}

/** An unexpected failure still gets a specific, redacted answer rather than Mattermost's generic error. */
function failureText(err: unknown): string {
  const error = asMmBackupError(err, 'slash-command');
  return redact(`Sorry, that failed at step ${error.step} (${error.code}): ${error.message}${error.fix ? `\nFix: ${error.fix}` : ''}`);
}
