/**
 * A restore drill proves a snapshot can be restored, without touching the live server: the database
 * goes into a scratch database on the same database server, the file store into a temporary directory;
 * row counts are compared with the manifest and every referenced file must be present; then both are
 * dropped. The measured restore time is the honest RTO figure for the status page. Before it starts, the
 * scratch data of drills that were killed is removed and the room for this one checked (./drill-scratch.ts).
 */
import { promises as fs } from 'node:fs';
import { ExitCode, MmBackupError } from '../common/errors';
import type { Reporter } from '../common/reporter';
import type { DbConnection } from '../mattermost/types';
import { readBlob } from '../repository/blobs';
import type { Repository } from '../repository/repository';
import type { SnapshotManifest } from '../repository/snapshots';
import { driverFor } from '../sources/drivers';
import { checkDrillSpace, makeScratchDirectory, removeDrillLeftovers, scratchDatabaseName } from './drill-scratch';
import { checkFailed, checkTargets, type RestoreCheck } from './restore-check';
import { bootIfInstalled, type BootReport, type DrillBootOptions } from './drill-boot';
import { runSteps } from './steps';
import { restoreTree } from './restore-tree';

export interface DrillReport {
  snapshot: string;
  scratchDatabase?: string;
  restoreDurationMs: number;
  dbRestoreMs?: number;
  filesRestoreMs?: number;
  check: RestoreCheck;
  /** The restored data booted by the real Mattermost (./drill-boot.ts), when its binary is installed. */
  boot?: BootReport;
  /** Why the drill did not boot Mattermost (no binary found), so the result says so instead of staying silent. */
  bootSkipped?: string;
  /** Restore plus boot to healthy: the recovery time an admin would see; set when the drill booted. */
  recoveryMs?: number;
}

export async function runDrill(repository: Repository, snapshot: SnapshotManifest, server: DbConnection | undefined, reporter: Reporter, bootOptions: DrillBootOptions = {}): Promise<DrillReport> {
  const { db, files } = snapshot.components;
  if (db && !server) {
    throw new MmBackupError({
      step: 'drill',
      code: 'NO_DRILL_SERVER',
      message: 'a drill restores the database into a scratch database, but no database server is known',
      fix: 'pass --mattermost-config (the drill uses its database server) or --db with a server to drill on',
      exitCode: ExitCode.usage,
    });
  }
  // What a killed drill left behind goes first: it may be what would make this one short of space.
  await removeDrillLeftovers(db ? server : undefined, reporter).catch((err) => reporter.warn(`could not look for scratch data of earlier drills: ${(err as Error).message}`));
  await checkDrillSpace(snapshot, db ? server : undefined, reporter);
  const scratch = db && server ? { ...server, database: scratchDatabaseName() } : undefined;
  const scratchDir = await makeScratchDirectory();
  const dataRoot = files?.roots.find((r) => r.name === 'data');
  const report: DrillReport = { snapshot: snapshot.id, scratchDatabase: scratch?.database, restoreDurationMs: 0, check: { tablesCompared: 0, rowMismatches: [], filesReferenced: 0, filesMissing: [] } };
  const started = Date.now();
  await runSteps(
    [
      {
        name: 'drill-restore-db',
        run: async () => {
          if (!scratch || !db) return;
          const t = Date.now();
          await driverFor(scratch).restore(scratch, readBlob(repository, db.dump), { replace: false, ownsInput: true }, reporter);
          report.dbRestoreMs = Date.now() - t;
        },
      },
      {
        name: 'drill-restore-files',
        run: async () => {
          if (!dataRoot) return;
          const t = Date.now();
          await restoreTree(repository, dataRoot, scratchDir, reporter);
          report.filesRestoreMs = Date.now() - t;
        },
      },
      {
        name: 'drill-check',
        run: async () => {
          report.restoreDurationMs = Date.now() - started;
          report.check = await checkTargets(repository, snapshot, { db: scratch, filesDir: dataRoot ? scratchDir : undefined });
          const failure = checkFailed(report.check);
          if (failure) throw new MmBackupError({ step: 'drill', code: 'DRILL_FAILED', message: `snapshot ${snapshot.id} did not restore faithfully: ${failure.message}`, fix: failure.fix });
        },
      },
      { name: 'drill-boot', run: () => bootIfInstalled({ repository, snapshot, db: scratch, filesDir: dataRoot ? scratchDir : undefined, reporter, report, options: bootOptions }) },
    ],
    [
      { name: 'drop scratch database', run: async () => void (scratch && (await driverFor(scratch).dropDatabase(scratch))) },
      { name: 'remove scratch directory', run: () => fs.rm(scratchDir, { recursive: true, force: true }) },
    ],
    reporter,
  );
  return report;
}
