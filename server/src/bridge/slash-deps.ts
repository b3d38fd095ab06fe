/**
 * /backup, wired to the bridge: the invoker's admin check through Mattermost, jobs through the bridge's
 * runner, and the completion message back to the invocation's response_url when the job ends.
 */
import { MmBackupError } from '../common/errors';
import type { MattermostApi } from '../mattermost-api/client';
import type { ComponentName } from '../repository/snapshots';
import { reportCompletion } from '../slash/completion';
import type { BackupRequester, SlashDeps, StartResult, StatusSummary } from '../slash/deps';
import type { Bridge } from './core';

export interface SlashState {
  api?: MattermostApi;
  /** The /backup command tokens of every team, from the last registration. */
  tokens: string[];
}

async function started(start: () => Promise<{ jobId: string }>): Promise<StartResult> {
  try {
    return await start();
  } catch (err) {
    if (err instanceof MmBackupError && err.code === 'BUSY') return { busy: err.message };
    throw err;
  }
}

function reportWhenDone(bridge: Bridge, jobId: string, what: string, requester: BackupRequester): void {
  void bridge.waitFor(jobId).then(async () => {
    const result = bridge.runner.lastResult(what);
    const text = !result
      ? `${what} ${jobId} ended.`
      : result.ok
        ? `${what} ${jobId} finished in ${Math.round(result.durationMs / 1000)} s.`
        : `${what} ${jobId} ${result.cancelled ? 'was cancelled' : `failed at ${result.error?.step}: ${result.error?.message}${result.error?.fix ? `\nFix: ${result.error.fix}` : ''}`}`;
    await reportCompletion(requester.responseUrl, `@${requester.userName} ${text}`);
  });
}

export function slashDeps(bridge: Bridge, state: SlashState): SlashDeps {
  return {
    async isSystemAdmin(userId) {
      if (!state.api) return false;
      return state.api.isSystemAdmin(userId);
    },
    async startBackup(components: ComponentName[] | undefined, requester) {
      const result = await started(() => bridge.startBackup(components));
      if ('jobId' in result) reportWhenDone(bridge, result.jobId, 'backup', requester);
      return result;
    },
    async status(): Promise<StatusSummary> {
      const s = await bridge.status();
      return {
        running: s.running ? { jobId: s.running.id, kind: s.running.kind as 'backup', step: s.running.step, startedAt: new Date(s.running.startedAt) } : undefined,
        lastSuccess: s.lastSuccess ? { snapshotId: s.lastSuccess.snapshotId, finishedAt: new Date(s.lastSuccess.finishedAt) } : undefined,
        lastVerified: s.lastVerified ? { snapshotId: s.lastVerified.snapshotId, verifiedAt: new Date(s.lastVerified.at) } : undefined,
        rpo: s.rpo.ageSeconds === null ? undefined : { ageMs: s.rpo.ageSeconds * 1000, thresholdMs: s.rpo.thresholdHours * 3_600_000, overdue: s.rpo.breached },
        nextBackup: s.nextRuns.backup ? new Date(s.nextRuns.backup) : undefined,
        repository: s.repository,
        warnings: [
          ...s.problems,
          ...(s.lastFailure ? [`the last ${s.lastFailure.kind} failed at ${s.lastFailure.step}: ${s.lastFailure.message}`] : []),
          ...s.warnings,
        ],
      };
    },
    async list(limit) {
      const backups = await bridge.listBackups();
      return backups.slice(0, limit).map((b) => ({ id: b.id, finishedAt: new Date(b.finishedAt), components: b.components, sizeBytes: b.sizeBytes, verifiedAt: b.verifiedAt ? new Date(b.verifiedAt) : undefined }));
    },
    async startVerify(id, requester) {
      const result = await started(() => bridge.startVerify(id ?? 'latest'));
      if ('jobId' in result) reportWhenDone(bridge, result.jobId, 'verify', requester);
      return result;
    },
    commandTokens: () => state.tokens,
  };
}
