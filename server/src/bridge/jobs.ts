/**
 * The bridge's jobs, each one engine operation plus what must follow it: a backup is followed, when it
 * succeeded, by the off-site copy and retention (never after a failure: a failed run must not cost a good
 * snapshot); a verify or a drill records its outcome in the repository, passed or failed (a cancelled one
 * records nothing). Alerts, heartbeat pings and metrics observe the outcomes.
 */
import type { Reporter } from '../common/reporter';
import { MmBackupError, asMmBackupError } from '../common/errors';
import { openDestination } from '../destinations/open';
import { runBackup } from '../engine/backup';
import { copySnapshots, openCopyTarget } from '../engine/copy';
import { runDrill, type DrillReport } from '../engine/drill';
import { runPrune, type PruneReport } from '../engine/prune';
import { verifySnapshots } from '../engine/verify';
import type { MattermostInstallation } from '../mattermost/types';
import type { Secret } from '../repository/keys';
import type { Repository } from '../repository/repository';
import { findSnapshot, type ComponentName, type SnapshotManifest } from '../repository/snapshots';
import { recordOutcome, type VerificationOutcome } from '../repository/verifications';
import { describePolicy } from '../retention/policy';
import { retentionPolicyOf } from '../settings/load';
import type { Settings } from '../settings/schema';

export interface JobContext {
  repository: Repository;
  /** What opened the repository: also opens the off-site twin that the first copy creates. */
  secret: Secret;
  installation: MattermostInstallation;
  settings: Settings;
  reporter: Reporter;
  signal: AbortSignal;
  /** The runner's id of the job, kept with its verification outcome. */
  jobId?: string;
}

export async function backupJob(context: JobContext, components: ComponentName[] | undefined): Promise<SnapshotManifest> {
  const { repository, installation, settings, reporter, signal } = context;
  const manifest = await runBackup({ installation, repository, components: components ?? settings.components, reporter, signal, tags: ['bridge'] });
  if (settings.offsiteCopy && settings.offsiteRepo) await offsiteCopy(context);
  if (!settings.pruneSchedule) {
    // A step of its own, so that the prune's lock and plan are not taken for the backup's or the copy's.
    reporter.stepStarted('prune', describePolicy(retentionPolicyOf(settings)));
    await pruneJob(context);
  }
  return manifest;
}

/** A failed copy fails the job (the admin asked for off-site copies), after the snapshot itself is safe. */
async function offsiteCopy(context: JobContext): Promise<void> {
  const { repository, settings, reporter, signal } = context;
  reporter.stepStarted('offsite-copy');
  try {
    const { target } = await openCopyTarget(repository, openDestination(settings.offsiteRepo, { onRetry: (l) => reporter.warn(l) }), { sourceSecret: context.secret });
    const report = await copySnapshots({ source: repository, target, reporter, signal });
    reporter.info(`off-site copy: ${report.snapshotsCopied} snapshot(s), ${report.objectsCopied} object(s) copied`);
    reporter.stepFinished('offsite-copy', true);
  } catch (err) {
    reporter.stepFinished('offsite-copy', false);
    throw asMmBackupError(err, 'offsite-copy');
  }
}

export async function pruneJob(context: JobContext): Promise<PruneReport> {
  const policy = retentionPolicyOf(context.settings);
  return runPrune(context.repository, policy, { dryRun: false, reporter: context.reporter });
}

export async function drillJob(context: JobContext, snapshot?: SnapshotManifest): Promise<DrillReport> {
  const target = snapshot ?? (await findSnapshot(context.repository, 'latest'));
  const report = await recorded(context, target.id, 'drill', () => runDrill(context.repository, target, context.installation.database, context.reporter, { installDir: context.installation.installDir }));
  await recordOutcome(context.repository, target.id, { kind: 'drill', ok: true, restoreDurationMs: report.restoreDurationMs, bootMs: report.boot?.bootMs, recoveryMs: report.recoveryMs, mattermostVersion: report.boot?.mattermostVersion, jobId: context.jobId });
  return report;
}

export async function verifyJob(context: JobContext, id: string | undefined): Promise<void> {
  const snapshot = await findSnapshot(context.repository, id ?? 'latest');
  await recorded(context, snapshot.id, 'verify', async () => {
    const report = await verifySnapshots(context.repository, [snapshot], true, context.reporter);
    if (report.problems.length > 0) {
      const first = report.problems[0];
      throw new MmBackupError({ step: 'verify', code: 'VERIFY_FAILED', message: `snapshot ${snapshot.id}: ${first.object}: ${first.problem}`, fix: 'restore from another snapshot or an off-site copy, and take a new backup now' });
    }
  });
  await recordOutcome(context.repository, snapshot.id, { kind: 'verify', ok: true, readData: true, jobId: context.jobId });
}

/**
 * Runs a verification and, when it fails (not when it is cancelled), records the failure in the snapshot's
 * verification record. A record that cannot be written is a warning: it must not hide the failure itself.
 */
async function recorded<T>(context: JobContext, snapshotId: string, kind: VerificationOutcome['kind'], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const error = asMmBackupError(err, kind);
    if (!context.signal.aborted && error.code !== 'CANCELLED' && error.code !== 'ABORTED') {
      const failure = { ok: false, jobId: context.jobId, step: error.step, message: error.message, fix: error.fix };
      const outcome: VerificationOutcome = kind === 'verify' ? { kind, readData: true, ...failure } : { kind, ...failure };
      await recordOutcome(context.repository, snapshotId, outcome).catch((e) => context.reporter.warn(`the failed ${kind} could not be recorded: ${(e as Error).message}`));
    }
    throw error;
  }
}
