/**
 * mmbackup prune: the retention policy from --keep-* options or MMBACKUP_KEEP_* (../../retention/options.ts),
 * applied by ../../engine/prune.ts. Prints every snapshot with KEEP or REMOVE and why, then what was (or,
 * with --dry-run, would be) reclaimed; --json prints the PruneReport.
 */
import { byCodeUnits } from '../../common/order';
import { runPrune, type PruneReport } from '../../engine/prune';
import { retentionPolicyFrom, type RetentionOptionValues } from '../../retention/options';
import { emit, openRepository, reporterFor, type GlobalOptions } from '../context';
import { formatBytes, table } from '../format';

export async function pruneCommand(options: GlobalOptions & RetentionOptionValues & { dryRun?: boolean }): Promise<void> {
  // The policy is checked before the repository is opened: a typo fails at once, not after the key's scrypt.
  const policy = retentionPolicyFrom(options);
  const reporter = reporterFor(options);
  const repository = await openRepository(options);
  const report = await runPrune(repository, policy, { dryRun: options.dryRun, reporter });
  emit(options, report, describeReport(report));
}

/** The human text: one row per snapshot, newest first, then the totals. */
export function describeReport(report: PruneReport): string {
  const rows = [['ID', 'TIME', 'ACTION', 'REASONS']];
  const all = [
    ...report.kept.map((k) => ({ id: k.id, time: k.time, action: 'KEEP', why: k.reasons.join('; ') })),
    ...report.removed.map((r) => ({ id: r.id, time: r.time, action: 'REMOVE', why: r.reason })),
  ].sort((a, b) => byCodeUnits(b.time, a.time));
  for (const s of all) rows.push([s.id, s.time, s.action, s.why]);
  const would = report.dryRun ? 'would be ' : '';
  const o = report.objects;
  const lines = [
    `policy: ${report.policy}`,
    ...(report.dryRun ? ['dry run: nothing was changed'] : []),
    all.length > 0 ? table(rows) : 'no snapshots in the repository',
    `${report.kept.length} snapshot(s) kept, ${report.removed.length} ${would}removed${report.savedBySafety.length ? ` (${report.savedBySafety.length} of the kept ones only by a safety rule)` : ''}`,
    `${o.reclaimed} of ${o.stored} objects ${would}reclaimed (${formatBytes(o.bytesReclaimed)} of ${formatBytes(o.storedBytes)})${o.leftovers ? `, of which ${o.leftovers} (${formatBytes(o.leftoverBytes)}) were leftovers of failed or killed backups that no snapshot referenced` : ''}`,
  ];
  const held = report.heldByObjectLock;
  if (held.objects > 0) lines.push(`${held.objects} object(s) (${formatBytes(held.bytes)}) are held by S3 Object Lock${held.latest ? ` until ${held.latest}` : ''}: left in place for a later prune`);
  if (report.temporaryFiles.reclaimed > 0) lines.push(`${report.temporaryFiles.reclaimed} unfinished temporary file(s) ${would}removed (${formatBytes(report.temporaryFiles.bytes)})`);
  if (report.verificationRecordsRemoved > 0) lines.push(`${report.verificationRecordsRemoved} verification record(s) of removed snapshots ${would}removed`);
  if (report.emptyPolicy) lines.push('no --keep-* rule was given, so every snapshot is kept: an empty policy never deletes snapshots');
  return lines.join('\n');
}
