import { ExitCode, MmBackupError } from '../../common/errors';
import type { Reporter } from '../../common/reporter';
import { runDrill, type DrillReport } from '../../engine/drill';
import { verifySnapshots, type VerifyProblem } from '../../engine/verify';
import { dbTarget, DRILL_DB_ENV } from './db-option';
import type { Repository } from '../../repository/repository';
import { findSnapshot, readSnapshots, type SnapshotManifest } from '../../repository/snapshots';
import { recordOutcome, type VerificationOutcome } from '../../repository/verifications';
import { emit, installationIfAny, reportedOnStdout, openRepository, reporterFor, type GlobalOptions } from '../context';
import { formatBytes, formatDuration } from '../format';

export async function verifyCommand(ref: string | undefined, options: GlobalOptions & { readData?: boolean; drill?: boolean; db?: string; dbFile?: string; mattermostBinary?: string; boot?: boolean }): Promise<void> {
  const reporter = reporterFor(options);
  const repository = await openRepository(options);
  const listing = ref ? { snapshots: [await findSnapshot(repository, ref)], unreadable: [] } : await readSnapshots(repository);
  const snapshots = listing.snapshots;
  if (snapshots.length === 0 && listing.unreadable.length === 0) {
    emit(options, { snapshots: [], problems: [] }, 'no snapshots to verify');
    return;
  }
  const report = await verifySnapshots(repository, snapshots, Boolean(options.readData), reporter);
  let drill: DrillReport | undefined;
  let drillError: MmBackupError | undefined;
  if (options.drill && report.problems.length === 0) {
    const installation = await installationIfAny(options, reporter);
    const server = (await dbTarget(options, DRILL_DB_ENV)) ?? installation?.database;
    try {
      drill = await runDrill(repository, snapshots[0], server, reporter, { mattermostBinary: options.mattermostBinary, installDir: installation?.installDir, boot: options.boot });
    } catch (err) {
      if (!(err instanceof MmBackupError)) throw err;
      drillError = err;
    }
  }
  // A manifest that cannot be read is a snapshot lost until that file is restored: a problem, after the others were verified.
  for (const u of listing.unreadable) report.problems.push({ snapshot: u.id, object: u.name, problem: `the manifest cannot be read: ${u.problem}` });
  await recordOutcomes(repository, snapshots, { readData: Boolean(options.readData), problems: report.problems, drill, drillError, drilled: drill || drillError ? snapshots[0].id : undefined }, reporter);
  const lines = [
    `verified ${snapshots.length} snapshot(s): ${report.objectsChecked} objects ${report.readData ? `read and authenticated (${formatBytes(report.bytesRead)})` : 'present'}`,
    ...report.problems.map((p) => `PROBLEM in snapshot ${p.snapshot}: ${p.object}: ${p.problem}`),
  ];
  if (drill) {
    lines.push(`drill of snapshot ${drill.snapshot}: restored in ${formatDuration(drill.restoreDurationMs)} (database ${drill.dbRestoreMs !== undefined ? formatDuration(drill.dbRestoreMs) : 'n/a'}, files ${drill.filesRestoreMs !== undefined ? formatDuration(drill.filesRestoreMs) : 'n/a'}); ${drill.check.tablesCompared} tables match the recorded row counts; ${drill.check.filesReferenced} referenced files present`);
    if (drill.boot) lines.push(`  Mattermost ${drill.boot.mattermostVersion} booted on it in ${formatDuration(drill.boot.bootMs)} and served post ${drill.boot.postChecked ?? '(none)'} and file ${drill.boot.fileChecked?.id ?? '(none)'}: restored and booted in ${formatDuration(drill.recoveryMs ?? 0)}`);
    else if (drill.bootSkipped) lines.push(`  not booted: ${drill.bootSkipped}`);
  }
  const failure = report.problems.length > 0 ? verifyFailed(report.problems) : drillError;
  // One JSON document, also on failure: the report with the error in it (main does not print it again).
  emit(options, { ...report, drill, drillError: drillError?.toJSON(), ok: !failure, ...(failure ? { error: failure.toJSON() } : {}) }, lines.join('\n'));
  if (failure) throw reportedOnStdout(failure);
}

function verifyFailed(problems: VerifyProblem[]): MmBackupError {
  const first = problems[0];
  return new MmBackupError({
    step: 'verify',
    code: 'VERIFY_FAILED',
    message: `${problems.length} problem(s); first: snapshot ${first.snapshot}, ${first.object}: ${first.problem}`,
    fix: 'restore from another snapshot or an off-site copy; take a new backup now so the latest state is protected',
    exitCode: ExitCode.failed,
  });
}

/**
 * Leaves the outcome of every verification in the snapshot's record (../../repository/verifications.ts):
 * passes let prune keep the newest verified snapshot; failures and the drill's restore time show in the
 * System Console beside the bridge's own. A repository this user may read but not write (an off-site copy
 * mounted read-only) still verifies: a record that cannot be written is a warning.
 */
async function recordOutcomes(repository: Repository, snapshots: SnapshotManifest[], outcome: { readData: boolean; problems: VerifyProblem[]; drill?: DrillReport; drillError?: MmBackupError; drilled?: string }, reporter: Reporter): Promise<void> {
  const at = new Date();
  for (const snapshot of snapshots) {
    const outcomes: VerificationOutcome[] = [];
    const problem = outcome.problems.find((p) => p.snapshot === snapshot.id);
    if (outcome.readData) {
      outcomes.push(problem
        ? { kind: 'verify', ok: false, readData: true, at, step: 'verify', message: `${problem.object}: ${problem.problem}`, fix: 'restore from another snapshot or an off-site copy' }
        : { kind: 'verify', ok: true, readData: true, at });
    }
    if (outcome.drilled === snapshot.id) {
      const { drill, drillError } = outcome;
      outcomes.push(drillError
        ? { kind: 'drill', ok: false, at, step: drillError.step, message: drillError.message, fix: drillError.fix }
        : { kind: 'drill', ok: true, at, restoreDurationMs: drill?.restoreDurationMs ?? null, bootMs: drill?.boot?.bootMs, recoveryMs: drill?.recoveryMs, mattermostVersion: drill?.boot?.mattermostVersion });
    }
    try {
      for (const o of outcomes) await recordOutcome(repository, snapshot.id, o);
    } catch (err) {
      reporter.warn(`the verification record of snapshot ${snapshot.id} could not be written: ${(err as Error).message}`);
    }
  }
}
