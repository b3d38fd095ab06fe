/**
 * Where each part of a snapshot goes. Targets default to where the snapshot came from (the same server);
 * given --db, --config-dir, --files-dir or --install-dir they move (a new server). Plugin directories
 * follow the install dir, which defaults to the parent of the config dir, as in a Mattermost install.
 */
import * as path from 'node:path';
import { ExitCode, MmBackupError } from '../common/errors';
import { describeConnection } from '../mattermost/dsn';
import type { DbConnection, MattermostInstallation } from '../mattermost/types';
import type { ComponentName, SnapshotManifest, TreeRoot } from '../repository/snapshots';
import { driverFor } from '../sources/drivers';
import { describeStore, type S3Store } from '../sources/s3-store/client';
import { storeHasObjects } from '../sources/s3-store/restore';
import { isNonEmptyDirectory } from './restore-directory';

export interface RestoreTargets {
  db?: DbConnection;
  configDir?: string;
  filesDir?: string;
  installDir?: string;
}

export type PlannedAction =
  | { component: 'db'; target: DbConnection; description: string; nonEmpty: boolean }
  | { component: 'config' | 'files'; root: TreeRoot; target: string; description: string; nonEmpty: boolean; s3?: S3Store };

export interface RestorePlan {
  actions: PlannedAction[];
  /** Where config and files go, for the config rewrite and the safety snapshot. */
  db?: DbConnection;
  /** Set when the file store goes into an S3 bucket (the target server's FileSettings say amazons3). */
  s3Store?: S3Store;
  configDir?: string;
  filesDir?: string;
  installDir: string;
}

function missingTarget(what: string, option: string): MmBackupError {
  return new MmBackupError({
    step: 'plan-restore',
    code: 'NO_RESTORE_TARGET',
    message: `no target for the ${what}: the Mattermost config could not be read and ${option} was not given`,
    fix: `pass ${option}, or --mattermost-config pointing at the server to restore onto`,
    exitCode: ExitCode.usage,
  });
}

export async function planRestore(snapshot: SnapshotManifest, components: ComponentName[], targets: RestoreTargets, installation?: MattermostInstallation): Promise<RestorePlan> {
  const configDir = targets.configDir ?? installation?.configDir ?? (snapshot.mattermost.configSource === 'file' ? path.dirname(snapshot.mattermost.configLocation) : undefined);
  const installDir = targets.installDir ?? (targets.configDir ? path.dirname(targets.configDir) : (installation?.installDir ?? snapshot.mattermost.installDir));
  const localStore = installation?.fileStore.driver === 'local' ? installation.fileStore.directory : undefined;
  const filesDir = targets.filesDir ?? (targets.configDir || targets.installDir ? path.join(installDir, 'data') : (localStore ?? snapshot.mattermost.fileStoreDirectory));
  const plan: RestorePlan = { actions: [], configDir, filesDir, installDir };
  const { db, config, files } = snapshot.components;

  if (db && components.includes('db')) {
    const target = targets.db ?? installation?.database;
    if (!target) throw missingTarget('database', '--db');
    plan.db = target;
    const state = await driverFor(target).inspect(target);
    plan.actions.push({ component: 'db', target, description: describeConnection(target), nonEmpty: state.tables > 0 });
  }
  const configRoot = config?.directory ?? config?.databaseConfig;
  if (configRoot && components.includes('config')) {
    if (!configDir) throw missingTarget('config directory', '--config-dir');
    plan.actions.push({ component: 'config', root: configRoot, target: configDir, description: configDir, nonEmpty: await isNonEmptyDirectory(configDir) });
  }
  if (files && components.includes('files')) {
    const movesServer = Boolean(targets.filesDir || targets.configDir || targets.installDir);
    plan.s3Store = !movesServer && installation?.fileStore.driver === 'amazons3' ? installation.fileStore : undefined;
    for (const root of files.roots) {
      if (root.name === 'data' && plan.s3Store) {
        const description = `data → ${describeStore(plan.s3Store)}`;
        plan.actions.push({ component: 'files', root, target: describeStore(plan.s3Store), description, nonEmpty: await storeHasObjects(plan.s3Store), s3: plan.s3Store });
        continue;
      }
      const target = root.name === 'data' ? filesDir : root.name === 'plugins' ? path.join(installDir, 'plugins') : path.join(installDir, 'client', 'plugins');
      if (!target) throw missingTarget('file store', '--files-dir');
      plan.actions.push({ component: 'files', root, target, description: `${root.name} → ${target}`, nonEmpty: await isNonEmptyDirectory(target) });
    }
  }
  return plan;
}
