/**
 * The words of every `/backup` answer, apart from the handler's control flow so that they can be read and
 * tested as text. All replies are Markdown for an ephemeral post; values shown here are already redacted by
 * whoever produced them (StatusSummary.repository, warnings).
 */
import { bytes, instant, span } from '../alerts/format';
import type { ComponentName } from '../repository/snapshots';
import type { SnapshotSummary, StatusSummary } from './deps';

export const USAGE = [
  '`/backup now [db|config|files ...]`: start a backup now (all components when none is named)',
  '`/backup status`: the running job, the last good and verified backups, RPO and the next run',
  '`/backup list [n]`: the newest snapshots (10 by default)',
  '`/backup verify [id]`: check a snapshot (the latest by default) is complete and readable',
  '`/backup restore [id]`: how to restore; restores run from the server\'s command line, never from chat',
  '`/backup help`: this list',
].join('\n');

export function help(problem?: string): string {
  return `${problem ? `Sorry, ${problem}.\n\n` : ''}**/backup** commands (system admins only):\n${USAGE}`;
}

export function backupStarted(jobId: string, components: ComponentName[] | undefined): string {
  const what = components ? components.join(', ') : 'database, config and files';
  return `Backup started (job ${jobId}: ${what}); I'll report here when it finishes.`;
}

export function verifyStarted(jobId: string, id: string | undefined): string {
  return `Verification of ${id ? `snapshot ${id}` : 'the latest snapshot'} started (job ${jobId}); `
    + "I'll report here when it finishes.";
}

export function busy(what: string): string {
  return `Not started: ${what} is running and the bridge runs one operation at a time. `
    + 'Try again when it has finished (`/backup status` shows its progress).';
}

/**
 * The two CLI lines to run on the Mattermost server: a dry run first, because a restore replaces the database
 * and files and stops nothing by itself; chat is the wrong place to confirm that.
 */
export function restoreInstructions(id: string): string {
  return [
    'Restores are not run from chat: a restore replaces the database, config and files, so run it on the '
      + 'Mattermost server, where you can see what it will do. First the dry run, which changes nothing:',
    '```',
    `mmbackup restore ${id} --dry-run`,
    '```',
    'then, when the plan is right (add `--yes` to replace existing data; a safety snapshot is taken first):',
    '```',
    `mmbackup restore ${id}`,
    '```',
  ].join('\n');
}

export function formatList(snapshots: SnapshotSummary[], now: Date): string {
  if (!snapshots.length) return 'No snapshots yet. Start one with `/backup now`.';
  const rows = snapshots.map((s) => `| ${s.id} | ${instant(s.finishedAt)} (${span(now.getTime() - s.finishedAt.getTime())} ago) `
    + `| ${s.components.join(', ')} | ${bytes(s.sizeBytes)} | ${s.verifiedAt ? instant(s.verifiedAt) : 'never'} |`);
  return ['| Snapshot | Finished | Components | Size | Verified |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** Status as a short list, most urgent first: the running job, the RPO verdict, then the history and plans. */
export function formatStatus(status: StatusSummary, now: Date): string {
  const ago = (at: Date) => `${instant(at)} (${span(now.getTime() - at.getTime())} ago)`;
  const lines = [
    status.running
      ? `Running: ${status.running.kind} job ${status.running.jobId}${status.running.step ? `, step ${status.running.step}` : ''}, since ${ago(status.running.startedAt)}`
      : 'Running: nothing',
    rpoLine(status.rpo),
    `Last good backup: ${status.lastSuccess ? `${status.lastSuccess.snapshotId}, ${ago(status.lastSuccess.finishedAt)}` : 'none yet'}`,
    `Last verified: ${status.lastVerified ? `${status.lastVerified.snapshotId}, ${ago(status.lastVerified.verifiedAt)}` : 'never'}`,
    `Next backup: ${status.nextBackup ? instant(status.nextBackup) : 'not scheduled'}`,
    `Repository: ${status.repository}`,
    ...status.warnings.map((w) => `Warning: ${w}`),
  ].filter((line): line is string => line !== undefined);
  return lines.map((line) => `- ${line}`).join('\n');
}

function rpoLine(rpo: StatusSummary['rpo']): string | undefined {
  if (!rpo) return undefined;
  const verdict = rpo.overdue ? '**OVERDUE**' : 'within';
  return `RPO: newest good backup is ${span(rpo.ageMs)} old, ${verdict} the ${span(rpo.thresholdMs)} threshold`;
}
