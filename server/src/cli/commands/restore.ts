import { runRestore, type RestoreResult } from '../../engine/restore';
import { describeConnection } from '../../mattermost/dsn';
import { dbTarget, RESTORE_DB_ENV } from './db-option';
import { findSnapshot } from '../../repository/snapshots';
import { emit, installationIfAny, openRepository, reporterFor, type GlobalOptions } from '../context';
import { formatDuration } from '../format';
import * as path from 'node:path';
import { parseComponents } from './backup';

export interface RestoreCliOptions extends GlobalOptions {
  only?: string;
  db?: string;
  dbFile?: string;
  configDir?: string;
  filesDir?: string;
  installDir?: string;
  dryRun?: boolean;
  yes?: boolean;
  mattermostBinary?: string;
}

function describeResult(result: RestoreResult, snapshotId: string): string {
  const lines = result.plan.actions.map((a) => `  ${a.component.padEnd(6)} → ${a.description}${a.nonEmpty ? ' (replaces existing data)' : ''}`);
  if (result.dryRun) return [`restore of snapshot ${snapshotId} would do (dry run, nothing changed):`, ...lines, ...(result.versionCheck ? [`  version: ${result.versionCheck.message}`] : [])].join('\n');
  const out = [`restored snapshot ${snapshotId} in ${formatDuration(result.durationMs)}:`, ...lines];
  if (result.safetySnapshot) out.push(`  what was replaced is saved as snapshot ${result.safetySnapshot}`);
  if (result.configRewrite) out.push(`  ${result.configRewrite.file}: updated ${result.configRewrite.changed.join(', ')} for the new targets`);
  if (result.versionCheck) out.push(`  version: ${result.versionCheck.message}`);
  if (result.databaseConfigRewrite) out.push(`  the configuration in database ${result.databaseConfigRewrite.database}: updated ${result.databaseConfigRewrite.changed.join(', ')}; start Mattermost with MM_CONFIG pointing at it`);
  if (result.check) out.push(`  check: ${result.check.tablesCompared} tables with the recorded row counts, ${result.check.filesReferenced} referenced files present`);
  return out.join('\n');
}

export async function restoreCommand(ref: string, options: RestoreCliOptions): Promise<void> {
  const reporter = reporterFor(options);
  const repository = await openRepository(options);
  const snapshot = await findSnapshot(repository, ref);
  const mattermost = await installationIfAny(options, reporter);
  const result = await runRestore({
    repository,
    snapshot,
    installation: mattermost,
    components: parseComponents(options.only),
    targets: {
      db: await dbTarget(options, RESTORE_DB_ENV),
      configDir: options.configDir ? path.resolve(options.configDir) : undefined,
      filesDir: options.filesDir ? path.resolve(options.filesDir) : undefined,
      installDir: options.installDir ? path.resolve(options.installDir) : undefined,
    },
    yes: Boolean(options.yes),
    dryRun: Boolean(options.dryRun),
    reporter,
    mattermostBinary: options.mattermostBinary,
  });
  const envNames = snapshot.components.config?.environmentNames ?? [];
  let human = describeResult(result, snapshot.id);
  if (!result.dryRun && envNames.length > 0) {
    human += `\n  the old server ran with MM_* overrides ${envNames.join(', ')}: print them with "mmbackup show ${snapshot.id} --env" and set them where Mattermost runs`;
  }
  emit(
    options,
    {
      snapshot: snapshot.id,
      dryRun: result.dryRun,
      actions: result.plan.actions.map((a) => ({ component: a.component, root: a.component === 'db' ? undefined : a.root.name, target: a.component === 'db' ? describeConnection(a.target) : a.target, replaces: a.nonEmpty })),
      safetySnapshot: result.safetySnapshot,
      configRewrite: result.configRewrite,
      check: result.check,
      versionCheck: result.versionCheck,
      databaseConfigRewrite: result.databaseConfigRewrite,
      durationMs: result.durationMs,
    },
    human,
  );
}
