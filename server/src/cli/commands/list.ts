import { listSnapshots } from '../../repository/snapshots';
import { emit, openRepository, type GlobalOptions } from '../context';
import { formatBytes, formatDuration, table } from '../format';

export async function listCommand(options: GlobalOptions): Promise<void> {
  const repository = await openRepository(options);
  const snapshots = await listSnapshots(repository);
  const rows = [['ID', 'TIME', 'HOST', 'COMPONENTS', 'SIZE', 'DURATION', 'TAGS']];
  for (const s of snapshots) {
    rows.push([s.id, s.startedAt, s.host, Object.keys(s.components).join(','), formatBytes(s.totals.size), formatDuration(s.durationMs), s.tags.join(',')]);
  }
  const human = snapshots.length === 0 ? `no snapshots yet in ${repository.destination.location}` : table(rows);
  emit(
    options,
    snapshots.map((s) => ({ id: s.id, time: s.startedAt, finishedAt: s.finishedAt, host: s.host, components: Object.keys(s.components), size: s.totals.size, durationMs: s.durationMs, tags: s.tags, mattermostVersion: s.mattermost.version })),
    human,
  );
}
