import { ExitCode, MmBackupError } from '../../common/errors';
import type { Reporter } from '../../common/reporter';
import { runDrill, type DrillReport } from '../../engine/drill';
import { verifySnapshots, type VerifyProblem } from '../../engine/verify';
import { parseDsn } from '../../mattermost/dsn';
import type { Repository } from '../../repository/repository';
import { findSnapshot, listSnapshots, type SnapshotManifest } from '../../repository/snapshots';
import { recordVerification } from '../../repository/verifications';
import { emit, installationIfAny, openRepository, reporterFor, type GlobalOptions } from '../context';
import { formatBytes, formatDuration } from '../format';

export async function verifyCommand(ref: string | undefined, options: GlobalOptions & { readData?: boolean; drill?: boolean; db?: string }): Promise<void> {
  const reporter = reporterFor(options);
  const repository = await openRepository(options);
  const snapshots = ref ? [await findSnapshot(repository, ref)] : await listSnapshots(repository);
  if (snapshots.length === 0) {
    emit(options, { snapshots: [], problems: [] }, 'no snapshots to verify');
    return;
  }
  const report = await verifySnapshots(repository, snapshots, Boolean(options.readData), reporter);
  let drill: DrillReport | undefined;
  let drillError: MmBackupError | undefined;
  if (options.drill && report.problems.length === 0) {
    const server = options.db ? parseDsn(options.db, '--db') : (await installationIfAny(options, reporter))?.database;
    try {
      drill = await runDrill(repository, snapshots[0], server, reporter);
    } catch (err) {
      if (!(err instanceof MmBackupError)) throw err;
      drillError = err;
    }
  }
  await recordPassed(repository, snapshots, { readData: Boolean(options.readData), problems: report.problems, drilled: drill && !drillError ? drill.snapshot : undefined }, reporter);
  const lines = [
    `verified ${snapshots.length} snapshot(s): ${report.objectsChecked} objects ${report.readData ? `read and authenticated (${formatBytes(report.bytesRead)})` : 'present'}`,
    ...report.problems.map((p) => `PROBLEM in snapshot ${p.snapshot}: ${p.object}: ${p.problem}`),
  ];
  if (drill) {
    lines.push(`drill of snapshot ${drill.snapshot}: restored in ${formatDuration(drill.restoreDurationMs)} (database ${drill.dbRestoreMs !== undefined ? formatDuration(drill.dbRestoreMs) : 'n/a'}, files ${drill.filesRestoreMs !== undefined ? formatDuration(drill.filesRestoreMs) : 'n/a'}); ${drill.check.tablesCompared} tables match the recorded row counts; ${drill.check.filesReferenced} referenced files present`);
  }
  emit(options, { ...report, drill, drillError: drillError?.toJSON(), ok: report.problems.length === 0 && !drillError }, lines.join('\n'));
  if (report.problems.length > 0) {
    const first = report.problems[0];
    throw new MmBackupError({
      step: 'verify',
      code: 'VERIFY_FAILED',
      message: `${report.problems.length} problem(s); first: snapshot ${first.snapshot}, ${first.object}: ${first.problem}`,
      fix: 'restore from another snapshot or an off-site copy; take a new backup now so the latest state is protected',
      exitCode: ExitCode.failed,
    });
  }
  if (drillError) throw drillError;
}

/**
 * Leaves a verification record (../../repository/verifications.ts) for every snapshot that was read whole
 * without a problem or passed a drill: prune never removes the newest such snapshot. A repository this
 * user may read but not write (an off-site copy mounted read-only) still verifies: a record that cannot
 * be written is a warning.
 */
async function recordPassed(repository: Repository, snapshots: SnapshotManifest[], outcome: { readData: boolean; problems: VerifyProblem[]; drilled?: string }, reporter: Reporter): Promise<void> {
  const damaged = new Set(outcome.problems.map((p) => p.snapshot));
  const at = new Date();
  for (const snapshot of snapshots) {
    const readData = outcome.readData && !damaged.has(snapshot.id);
    const drill = outcome.drilled === snapshot.id;
    if (!readData && !drill) continue;
    try {
      await recordVerification(repository, snapshot.id, { readData, drill, at });
    } catch (err) {
      reporter.warn(`snapshot ${snapshot.id} passed, but its verification record could not be written: ${(err as Error).message}`);
    }
  }
}
