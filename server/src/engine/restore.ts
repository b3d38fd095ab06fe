/**
 * Restore: plan the targets, refuse non-empty ones unless the admin said --yes, take a safety snapshot of
 * whatever will be replaced, restore each part so that a failure leaves the old data untouched (one
 * database transaction or a swapped-in new database; staged directories swapped by rename), point the
 * restored config at the new targets, and end with a check against the manifest.
 */
import { ExitCode, MmBackupError } from '../common/errors';
import type { Reporter } from '../common/reporter';
import type { MattermostInstallation } from '../mattermost/types';
import { readBlob } from '../repository/blobs';
import type { Repository } from '../repository/repository';
import { ALL_COMPONENTS, type ComponentName, type SnapshotManifest } from '../repository/snapshots';
import { driverFor } from '../sources/drivers';
import { runBackup } from './backup';
import { rewriteRestoredConfig, type ConfigRewrite } from './config-rewrite';
import { checkRestore, type RestoreCheck } from './restore-check';
import { planRestore, type RestorePlan, type RestoreTargets } from './restore-plan';
import { restoreDirectory } from './restore-directory';
import { restoreS3Store } from '../sources/s3-store/restore';
import { runSteps } from './steps';
import { checkRestoreVersion, type VersionCheck } from './version-safety';
import { rewriteRestoredDatabaseConfig, type DatabaseConfigRewrite } from './config-rewrite-db';

export interface RestoreOptions {
  repository: Repository;
  snapshot: SnapshotManifest;
  installation?: MattermostInstallation;
  components?: ComponentName[];
  targets: RestoreTargets;
  yes: boolean;
  dryRun: boolean;
  reporter: Reporter;
  /** --mattermost-binary: the Mattermost that will run the restored data (default <install dir>/bin/mattermost). */
  mattermostBinary?: string;
}

export interface RestoreResult {
  plan: RestorePlan;
  dryRun: boolean;
  safetySnapshot?: string;
  configRewrite?: ConfigRewrite;
  check?: RestoreCheck;
  /** The backup's Mattermost version against the binary that will run it (./version-safety.ts). */
  versionCheck?: VersionCheck;
  /** The config lives in the restored database: its active Configurations row was pointed at the new targets. */
  databaseConfigRewrite?: DatabaseConfigRewrite;
  durationMs: number;
}

export async function runRestore(options: RestoreOptions): Promise<RestoreResult> {
  const { repository, snapshot, reporter } = options;
  const started = Date.now();
  const plan = await planRestore(snapshot, options.components ?? ALL_COMPONENTS, options.targets, options.installation);
  const result: RestoreResult = { plan, dryRun: options.dryRun, durationMs: 0 };
  // Before anything is replaced: an older Mattermost must never be handed a newer database.
  if (plan.actions.some((a) => a.component === 'db')) {
    result.versionCheck = await checkRestoreVersion({ snapshot, explicitBinary: options.mattermostBinary, installDir: plan.installDir });
    reporter.info(result.versionCheck.message);
  }
  if (options.dryRun) return result;
  const occupied = plan.actions.filter((a) => a.nonEmpty);
  if (occupied.length > 0 && !options.yes) {
    throw new MmBackupError({
      step: 'plan-restore',
      code: 'TARGET_NOT_EMPTY',
      message: `restore would replace existing data in: ${occupied.map((a) => a.description).join('; ')}`,
      fix: 'pass --yes to replace it (a safety snapshot of it is taken first), or give empty or new targets with --db, --config-dir, --files-dir',
      exitCode: ExitCode.usage,
    });
  }
  await runSteps(
    [
      ...(occupied.length > 0 ? [{ name: 'safety-snapshot', run: async () => void (result.safetySnapshot = await safetySnapshot(options, plan)) }] : []),
      ...plan.actions.map((action) => ({
        name: action.component === 'db' ? 'restore-db' : `restore-${action.component === 'config' ? 'config' : action.root.name}`,
        run: async () => {
          if (action.component === 'db') {
            await driverFor(action.target).restore(action.target, readBlob(repository, snapshot.components.db!.dump), { replace: action.nonEmpty, ownsInput: true }, reporter);
          } else if (action.s3) {
            await restoreS3Store(repository, action.root, action.s3, reporter);
          } else {
            await restoreDirectory(repository, action.root, action.target, action.nonEmpty, reporter);
          }
        },
      })),
      {
        name: 'rewrite-config',
        run: async () => {
          if (!plan.configDir || !plan.actions.some((a) => a.component === 'config')) return;
          const movedFiles = options.targets.filesDir ?? (options.targets.configDir || options.targets.installDir ? plan.filesDir : undefined);
          const restoredData = plan.actions.some((a) => a.component === 'files' && a.root.name === 'data');
          const fromS3 = restoredData && snapshot.components.files?.driver === 'amazons3' && !plan.s3Store;
          result.configRewrite = await rewriteRestoredConfig(plan.configDir, { db: options.targets.db, filesDir: movedFiles ?? (fromS3 ? plan.filesDir : undefined), toLocalStore: fromS3 });
          if (result.configRewrite) reporter.info(`pointed ${result.configRewrite.file} at the new targets: ${result.configRewrite.changed.join(', ')}`);
        },
      },
      {
        name: 'rewrite-database-config',
        run: async () => {
          if (!options.targets.db || !plan.db || snapshot.mattermost.configSource !== 'database' || !plan.actions.some((a) => a.component === 'db')) return;
          const movedFiles = options.targets.filesDir ?? (options.targets.configDir || options.targets.installDir ? plan.filesDir : undefined);
          result.databaseConfigRewrite = await rewriteRestoredDatabaseConfig(plan.db, plan.installDir, { filesDir: movedFiles });
          if (result.databaseConfigRewrite) reporter.info(`pointed the active configuration in the restored database at the new targets: ${result.databaseConfigRewrite.changed.join(', ')}`);
        },
      },
      { name: 'check', run: async () => void (result.check = await checkRestore(repository, snapshot, plan, reporter)) },
    ],
    [],
    reporter,
  );
  result.durationMs = Date.now() - started;
  return result;
}

/** Backs up exactly what is about to be replaced, so a mistaken restore can itself be undone. */
async function safetySnapshot(options: RestoreOptions, plan: RestorePlan): Promise<string> {
  const replaced = new Set(plan.actions.filter((a) => a.nonEmpty).map((a) => a.component));
  const base = options.installation;
  const installation: MattermostInstallation = {
    configSource: { kind: 'file', path: `${plan.configDir ?? plan.installDir + '/config'}/config.json` },
    configDir: plan.configDir,
    installDir: plan.installDir,
    database: plan.db ?? base?.database ?? { driver: 'postgres', host: '', port: 0, user: '', database: '', params: {} },
    fileStore: plan.s3Store ?? { driver: 'local', directory: plan.filesDir ?? `${plan.installDir}/data` },
    pluginDirs: { server: `${plan.installDir}/plugins`, client: `${plan.installDir}/client/plugins` },
    envOverrides: {},
    config: {},
  };
  const manifest = await runBackup({
    installation,
    repository: options.repository,
    components: [...replaced] as ComponentName[],
    tags: ['pre-restore', `before-restoring-${options.snapshot.id}`],
    reporter: options.reporter,
  });
  options.reporter.info(`safety snapshot ${manifest.id} holds what this restore replaces`);
  return manifest.id;
}
