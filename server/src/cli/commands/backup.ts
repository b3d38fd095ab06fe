import { ExitCode, MmBackupError } from '../../common/errors';
import { runBackup } from '../../engine/backup';
import { ALL_COMPONENTS, type ComponentName } from '../../repository/snapshots';
import { emit, installation, openRepository, reporterFor, type GlobalOptions } from '../context';
import { formatBytes, formatDuration } from '../format';

export function parseComponents(only: string | undefined): ComponentName[] {
  if (!only) return ALL_COMPONENTS;
  const names = only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(ALL_COMPONENTS as string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new MmBackupError({
      step: 'options',
      code: 'BAD_COMPONENTS',
      message: `--only ${only}: unknown component ${unknown.join(', ') || '(none given)'}`,
      fix: 'use a comma-separated list of db, config, files',
      exitCode: ExitCode.usage,
    });
  }
  return names as ComponentName[];
}

export async function backupCommand(options: GlobalOptions & { only?: string; tag?: string[] }, signal: AbortSignal): Promise<void> {
  const components = parseComponents(options.only);
  const reporter = reporterFor(options);
  const mattermost = await installation(options);
  const repository = await openRepository(options);
  const manifest = await runBackup({ installation: mattermost, repository, components, tags: options.tag ?? [], reporter, signal });
  const t = manifest.totals;
  const human = [
    `snapshot ${manifest.id} saved (${Object.keys(manifest.components).join(', ')})`,
    `  ${formatBytes(t.size)} backed up in ${formatDuration(manifest.durationMs)}; ${formatBytes(t.bytesWritten)} new in the repository (${t.chunksNew} new objects, ${t.chunksReused} already stored)`,
    ...(reporter.warnings.length ? [`  ${reporter.warnings.length} warning(s): see above`] : []),
  ].join('\n');
  emit(options, { snapshot: manifest, warnings: reporter.warnings }, human);
}
