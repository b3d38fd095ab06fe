/**
 * GET /api/v1/status from what the bridge knows: the snapshots, the verification records (which survive a
 * restart), the runner's last result per job kind (which do not), the schedule and the settings. Pure: the
 * caller gathers, this decides, so the rules (which failure is shown, which verification counts) are tested
 * without a running bridge.
 */
import type { BridgeStatus, LastFailure, LastVerified, RunningJob } from '../api/core';
import { byCodeUnits } from '../common/order';
import type { SnapshotManifest } from '../repository/snapshots';
import type { VerificationRecord } from '../repository/verifications';
import type { JobResult, JobStatus } from '../schedule/runner';
import { rpoAge, rpoBreached } from '../schedule/overdue';
import type { ScheduledJob } from '../schedule/scheduler';
import type { LoadedSettings } from '../settings/load';
import { assessHealth } from '@backup-dr/wire';

export interface StatusInput {
  now: Date;
  settings: LoadedSettings;
  /** Problems found outside the settings (alert channel unknown, slash registration failed...). */
  otherProblems: string[];
  /** Things to know that do not stop backups (the repository nearly full). */
  warnings?: string[];
  /** The newest regular backup (not a pre-restore safety snapshot). */
  lastGood?: SnapshotManifest;
  running?: JobStatus;
  /** The runner's last result of each job kind. */
  results: JobResult[];
  records: VerificationRecord[];
  nextRuns: Partial<Record<ScheduledJob, Date[]>>;
  repositoryLocation: string;
}

export function buildStatus(input: StatusInput): BridgeStatus {
  const { now, settings, lastGood, running, records } = input;
  const lastAt = lastGood ? new Date(lastGood.finishedAt) : undefined;
  const age = rpoAge(lastAt, now);
  const lastSuccess = lastGood ? { snapshotId: lastGood.id, finishedAt: lastGood.finishedAt, sizeBytes: lastGood.totals.size, durationMs: lastGood.durationMs } : null;
  const lastVerified = lastVerifiedOf(records);
  const lastFailure = lastFailureOf(input.results, records, lastGood?.finishedAt);
  const rpo = { ageSeconds: age === undefined ? null : Math.round(age / 1000), thresholdHours: settings.effective.rpoHours, breached: rpoBreached(lastAt, settings.effective.rpoHours, now) };
  const problems = [...settings.problems.map((p) => `${p.key}: ${p.message}`), ...input.otherProblems];
  const warnings = [...(input.warnings ?? [])];
  const next = (job: ScheduledJob) => input.nextRuns[job]?.[0]?.toISOString() ?? null;
  return {
    running: running ? runningJob(running) : null,
    lastSuccess,
    lastVerified,
    rpo,
    nextRuns: { backup: next('backup'), drill: next('drill'), prune: next('prune') },
    repository: input.repositoryLocation,
    warnings,
    problems,
    ...assessHealth({ problems, warnings, lastFailure, rpo, lastSuccess, lastVerified }),
    lastFailure,
  };
}

export function runningJob(job: JobStatus): RunningJob {
  return {
    id: job.id,
    kind: job.kind,
    step: job.step,
    bytes: job.bytesDone,
    totalBytes: job.bytesTotal ?? null,
    ...(job.stepIndex !== undefined && job.stepCount !== undefined ? { stepIndex: job.stepIndex, stepCount: job.stepCount } : {}),
    startedAt: job.startedAt,
  };
}

/** Passed verifications and drills, newest first. */
function passes(records: VerificationRecord[]): Array<{ snapshot: string; at: string; drill: boolean; restoreDurationMs: number | null; recoveryMs?: number }> {
  const out = records.flatMap((r) => [
    ...(r.lastVerify?.ok ? [{ snapshot: r.snapshot, at: r.lastVerify.at, drill: false, restoreDurationMs: null }] : []),
    ...(r.lastDrill?.ok ? [{ snapshot: r.snapshot, at: r.lastDrill.at, drill: true, restoreDurationMs: r.lastDrill.restoreDurationMs, recoveryMs: r.lastDrill.recoveryMs }] : []),
  ]);
  return out.sort((a, b) => byCodeUnits(b.at, a.at));
}

/** The newest passing verification; restoreDurationMs is the newest passing drill's (of any snapshot). */
export function lastVerifiedOf(records: VerificationRecord[]): LastVerified | null {
  const all = passes(records);
  if (all.length === 0) return null;
  const drill = all.find((p) => p.drill);
  // recoveryMs only when that drill booted Mattermost (restore plus boot to healthy).
  return { snapshotId: all[0].snapshot, at: all[0].at, drill: all[0].drill, restoreDurationMs: drill?.restoreDurationMs ?? null, ...(drill?.recoveryMs !== undefined ? { recoveryMs: drill.recoveryMs } : {}) };
}

/** When `snapshotId` last passed a verify or drill. */
export function verifiedAtOf(records: VerificationRecord[], snapshotId: string): string | null {
  return passes(records.filter((r) => r.snapshot === snapshotId))[0]?.at ?? null;
}

/**
 * The newest failed job (the runner's, or a failed verify or drill recorded in the repository, which
 * outlives a restart), unless something succeeded after it: a backup, or a job of the same kind. A
 * cancelled job is not a failure.
 */
export function lastFailureOf(results: JobResult[], records: VerificationRecord[], lastSuccessAt: string | undefined): LastFailure | null {
  const failures: LastFailure[] = results
    .filter((r) => !r.ok && !r.cancelled)
    .map((r) => ({ jobId: r.id, kind: r.kind, at: r.finishedAt, step: r.error?.step ?? r.kind, message: r.error?.message ?? `${r.kind} failed`, fix: r.error?.fix ?? '' }));
  const known = new Set(failures.map((f) => f.jobId));
  for (const r of records) {
    for (const [kind, outcome] of [['verify', r.lastVerify], ['drill', r.lastDrill]] as const) {
      if (!outcome || outcome.ok || (outcome.jobId && known.has(outcome.jobId))) continue;
      failures.push({ jobId: outcome.jobId ?? '', kind, at: outcome.at, step: outcome.step ?? kind, message: outcome.message ?? `${kind} failed`, fix: outcome.fix ?? '' });
    }
  }
  const newestSuccess = (kind: string): string => {
    const times = [
      ...results.filter((r) => r.ok && r.kind === kind).map((r) => r.finishedAt),
      ...passes(records).filter((p) => (p.drill ? 'drill' : 'verify') === kind).map((p) => p.at),
    ];
    return times.sort().pop() ?? '';
  };
  const open = failures.filter((f) => f.at > (lastSuccessAt ?? '') && f.at > newestSuccess(f.kind));
  return open.sort((a, b) => byCodeUnits(b.at, a.at))[0] ?? null;
}
