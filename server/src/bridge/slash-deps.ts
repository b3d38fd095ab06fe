/**
 * /backup, wired to the bridge: jobs through the bridge's runner, and the outcome of a job the command
 * started as a `reply` event for the channel (and thread) where it ran, which the plugin's bot posts.
 */
import { MmBackupError } from '../common/errors';
import type { ComponentName } from '../repository/snapshots';
import type { BackupRequester, SlashDeps, StartResult, StatusSummary } from '../slash/deps';
import type { Bridge } from './core';

async function started(start: () => Promise<{ jobId: string }>): Promise<StartResult> {
  try {
    return await start();
  } catch (err) {
    if (err instanceof MmBackupError && err.code === 'BUSY') return { busy: err.message };
    throw err;
  }
}

/** The outcome in words, addressed to whoever asked. */
function outcomeText(bridge: Bridge, jobId: string, what: string, requester: BackupRequester): string {
  const result = bridge.runner.lastResult(what);
  const text = result?.id !== jobId
    ? `${what} ${jobId} ended.`
    : result.ok
      ? `${what} ${jobId} finished in ${Math.round(result.durationMs / 1000)} s.`
      : `${what} ${jobId} ${result.cancelled ? 'was cancelled' : `failed at ${result.error?.step}: ${result.error?.message}${result.error?.fix ? `\nFix: ${result.error.fix}` : ''}`}`;
  return `@${requester.username} ${text}`;
}

function replyWhenDone(bridge: Bridge, jobId: string, what: string, requester: BackupRequester): void {
  void bridge.waitFor(jobId).then(() => {
    bridge.events.publish('reply', {
      id: `${jobId}:outcome`, channelId: requester.channelId, ...(requester.rootId ? { rootId: requester.rootId } : {}),
      message: outcomeText(bridge, jobId, what, requester),
    });
  });
}

export function slashDeps(bridge: Bridge): SlashDeps {
  return {
    async startBackup(components: ComponentName[] | undefined, requester) {
      const result = await started(() => bridge.startBackup(components, requester));
      if ('jobId' in result) replyWhenDone(bridge, result.jobId, 'backup', requester);
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
      const result = await started(() => bridge.startVerify(id ?? 'latest', requester));
      if ('jobId' in result) replyWhenDone(bridge, result.jobId, 'verify', requester);
      return result;
    },
  };
}
