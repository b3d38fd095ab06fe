import { readBlobToBuffer } from '../../repository/blobs';
import { findSnapshot, type SnapshotManifest } from '../../repository/snapshots';
import { emit, openRepository, type GlobalOptions } from '../context';
import { formatBytes, formatDuration } from '../format';

function describe(s: SnapshotManifest): string {
  const lines = [
    `snapshot ${s.id}${s.tags.length ? ` [${s.tags.join(', ')}]` : ''}`,
    `  taken     ${s.startedAt} on ${s.host} in ${formatDuration(s.durationMs)} by mmbackup ${s.tool.version}`,
    `  mattermost ${s.mattermost.version ?? 'version unknown'}, schema ${s.mattermost.schemaVersion ?? 'unknown'}, config from ${s.mattermost.configLocation}`,
    `  size      ${formatBytes(s.totals.size)} (${formatBytes(s.totals.bytesWritten)} were new)`,
  ];
  const { db, config, files } = s.components;
  if (db) {
    lines.push(`  db        ${db.driver} ${db.source}: ${formatBytes(db.dump.size)} dump by ${db.dumpTool} of ${db.serverVersion}, sha256 ${db.dump.sha256}`);
    lines.push(`            ${Object.keys(db.tables).length} tables, ${Object.values(db.tables).reduce((a, b) => a + b, 0)} rows; ${db.referencedFiles.count} files referenced`);
  }
  if (config) {
    const root = config.directory ?? config.databaseConfig;
    lines.push(`  config    ${config.source === 'file' ? root?.path : 'database configuration'}: ${root?.files ?? 0} files; MM_* overrides: ${config.environmentNames.join(', ') || 'none'}`);
  }
  for (const root of files?.roots ?? []) lines.push(`  files     ${root.name} ${root.path}: ${root.files} files, ${formatBytes(root.bytes)}`);
  return lines.join('\n');
}

export async function showCommand(ref: string, options: GlobalOptions & { env?: boolean }): Promise<void> {
  const repository = await openRepository(options);
  const snapshot = await findSnapshot(repository, ref);
  if (options.env) {
    // Only on explicit request: the old server's MM_* overrides, to set on a new server. They may hold secrets.
    const env = snapshot.components.config ? JSON.parse((await readBlobToBuffer(repository, snapshot.components.config.environment)).toString()) : {};
    const text = Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n');
    process.stdout.write(options.json ? `${JSON.stringify(env, null, 2)}\n` : `${text}\n`);
    return;
  }
  emit(options, snapshot, describe(snapshot));
}
