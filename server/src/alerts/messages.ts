/**
 * Pure builders of the alerts: each takes what happened and returns one attachment-shaped message (title,
 * text, fields, colour), which markdownOf() turns into the Markdown of the `alert` event the plugin posts.
 * Nothing here reads a clock, the network or the settings, so the wording is table-tested.
 *
 * Contract: every string of every returned attachment has been through redact(), so a secret registered with
 * registerSecret() (or a credential inside a URL or DSN) never reaches the channel, whatever the inputs carry.
 * Red means data is at risk now, orange means it soon will be, green means it no longer is.
 */
import { redact } from '../common/redact';
import { bytes, instant, span } from './format';

export const COLORS = { red: '#d24b4e', orange: '#ffa500', green: '#3db887' } as const;

export interface AlertField {
  title: string;
  value: string;
  short: boolean;
}

/** An alert's parts, laid out as a Slack-style attachment (markdownOf() renders it). */
export interface AlertAttachment {
  fallback: string;
  color: string;
  pretext: string;
  title: string;
  text: string;
  fields: AlertField[];
  footer: string;
}

/** What went wrong, as an MmBackupError carries it (an MmBackupError can be passed as it is). */
export interface FailureCause {
  step: string;
  code: string;
  message: string;
  fix?: string;
}

/** Where the alert comes from, for the footer: several bridges may post into one channel. */
export interface Origin {
  host?: string;
}

export interface BackupFailedInput extends Origin {
  /** The components the run was capturing, e.g. ['db', 'config', 'files']. */
  components: readonly string[];
  error: FailureCause;
  /** The run log's last lines, oldest first; only the last LOG_TAIL_LINES are shown. */
  logTail?: readonly string[];
  /** Failed runs in a row, this one included. */
  consecutiveFailures?: number;
}

export interface RecoveredInput extends Origin {
  /** Failed runs since the last success (0 when only the overdue alert was out). */
  failures: number;
  snapshot: { id: string; durationMs: number; totals: { size: number } };
}

export interface OverdueInput extends Origin {
  /** When the newest good backup finished; undefined when there never was one. */
  lastSuccessAt?: Date;
  now: Date;
  rpoHours: number;
}

export interface DrillFailedInput extends Origin {
  snapshotId: string;
  /** What the restored copy got wrong, one item each ("table Posts: 1200 rows, expected 1201"). */
  mismatches: readonly string[];
  /** Set when the drill could not finish at all, rather than finding differences. */
  error?: FailureCause;
}

/** A read-back verification or a prune that failed. */
export interface JobFailedInput extends Origin {
  kind: 'verify' | 'prune';
  error: FailureCause;
  /** The snapshot a verification checked. */
  snapshotId?: string;
}

export type RepositoryProblemInput = Origin & { location: string } & (
  | { kind: 'unreachable'; error: FailureCause }
  | { kind: 'nearly-full'; freeBytes: number; totalBytes?: number; estimateBytes: number }
);

/** How many log lines and mismatches an alert shows: enough to act on, short enough to read in a channel. */
export const LOG_TAIL_LINES = 15;
export const MAX_LISTED = 10;
const MAX_LINE = 300;

/** A failed backup run: red, with step, cause, fix, the retry command and the log tail. */
export function backupFailedMessage(input: BackupFailedInput): AlertAttachment {
  const { error } = input;
  const components = input.components.join(', ') || 'all';
  const fields = [field('Step', error.step), field('Code', error.code), field('Components', components)];
  if (input.consecutiveFailures && input.consecutiveFailures > 1) fields.push(field('Failed runs in a row', String(input.consecutiveFailures)));
  const text = [
    `**Cause:** ${error.message}`,
    `**Fix:** ${error.fix ?? 'see the log lines below and the bridge log'}`,
    `**How to act:** fix the cause, then run \`mmbackup backup\` on the bridge host (or \`/backup now\`) to retry now.`,
    ...logBlock(input.logTail),
  ].join('\n');
  return sealed({
    fallback: `Backup failed at step ${error.step}: ${error.message}`,
    color: COLORS.red,
    pretext: `Backup of ${components} failed`,
    title: `Backup failed at step ${error.step}`,
    text,
    fields,
    footer: footer(input),
  });
}

/** The first good backup after failures: green, with the new snapshot. */
export function recoveredMessage(input: RecoveredInput): AlertAttachment {
  const { snapshot } = input;
  const after = input.failures > 0 ? `after ${input.failures} failed ${input.failures === 1 ? 'run' : 'runs'}` : 'after being overdue';
  return sealed({
    fallback: `Backups are back to normal ${after}: snapshot ${snapshot.id}`,
    color: COLORS.green,
    pretext: 'Backups are back to normal',
    title: `Backup succeeded ${after}`,
    text: `Snapshot \`${snapshot.id}\` holds ${bytes(snapshot.totals.size)} and took ${span(snapshot.durationMs)}.`,
    fields: [field('Snapshot', snapshot.id), field('Size', bytes(snapshot.totals.size)), field('Duration', span(snapshot.durationMs))],
    footer: footer(input),
  });
}

/** The dead man's switch: no good backup within the RPO threshold. Orange: nothing broke loudly, yet data is at risk. */
export function overdueMessage(input: OverdueInput): AlertAttachment {
  const threshold = `${input.rpoHours} h`;
  const age = input.lastSuccessAt ? span(Math.max(0, input.now.getTime() - input.lastSuccessAt.getTime())) : undefined;
  const summary = age ? `No successful backup for ${age}: the RPO threshold is ${threshold}.` : `No successful backup yet: the RPO threshold is ${threshold}.`;
  return sealed({
    fallback: summary,
    color: COLORS.orange,
    pretext: 'Backups are overdue',
    title: 'No successful backup within the RPO threshold',
    text: [
      summary,
      '**How to act:** check that the bridge is running and its backup schedule is enabled (GET /api/v1/status), '
        + 'then run `mmbackup backup` on the bridge host; `mmbackup list` shows the newest snapshot.',
    ].join('\n'),
    fields: [
      field('Last success', input.lastSuccessAt ? instant(input.lastSuccessAt) : 'never'),
      field('Age', age ?? 'n/a'),
      field('RPO threshold', threshold),
    ],
    footer: footer(input),
  });
}

/** A restore drill that failed or found the restored copy differs from the snapshot: red. */
export function drillFailedMessage(input: DrillFailedInput): AlertAttachment {
  const { snapshotId, error } = input;
  const what = error ? `could not finish at step ${error.step}: ${error.message}` : `found ${input.mismatches.length} ${input.mismatches.length === 1 ? 'mismatch' : 'mismatches'}`;
  const text = [
    ...(error ? [`**Cause:** ${error.message}`, `**Fix:** ${error.fix ?? 'see the bridge log'}`] : []),
    ...listed(input.mismatches),
    `**How to act:** run \`mmbackup verify --read-data ${snapshotId}\` to check every stored object of the snapshot, `
      + `then \`mmbackup verify --drill ${snapshotId}\` to repeat the drill. Until it passes, do not count on this snapshot for a restore.`,
  ].join('\n');
  return sealed({
    fallback: `Restore drill of snapshot ${snapshotId} ${what}`,
    color: COLORS.red,
    pretext: 'Restore drill failed',
    title: `Restore drill of snapshot ${snapshotId} ${what}`,
    text,
    fields: [field('Snapshot', snapshotId), ...(error ? [field('Step', error.step), field('Code', error.code)] : [field('Mismatches', String(input.mismatches.length))])],
    footer: footer(input),
  });
}

/** The repository cannot be reached (red) or will soon be full (orange). */
export function repositoryProblemMessage(input: RepositoryProblemInput): AlertAttachment {
  return input.kind === 'unreachable' ? repositoryUnreachable(input) : repositoryNearlyFull(input);
}

function repositoryUnreachable(input: RepositoryProblemInput & { kind: 'unreachable' }): AlertAttachment {
  const { error } = input;
  return sealed({
    fallback: `Backup repository ${input.location} is unreachable: ${error.message}`,
    color: COLORS.red,
    pretext: 'Backup repository unreachable',
    title: `Cannot reach the backup repository ${input.location}`,
    text: [
      `**Cause:** ${error.message}`,
      `**Fix:** ${error.fix ?? 'check the repository location, its credentials and the network path to it'}`,
      '**How to act:** `mmbackup list` on the bridge host checks that the repository can be read again.',
    ].join('\n'),
    fields: [field('Repository', input.location), field('Code', error.code)],
    footer: footer(input),
  });
}

function repositoryNearlyFull(input: RepositoryProblemInput & { kind: 'nearly-full' }): AlertAttachment {
  const free = input.totalBytes ? `${bytes(input.freeBytes)} of ${bytes(input.totalBytes)}` : bytes(input.freeBytes);
  const left = input.estimateBytes > 0 ? Math.floor(input.freeBytes / input.estimateBytes) : undefined;
  const runway = left === undefined ? '' : ` (room for about ${left} more ${left === 1 ? 'backup' : 'backups'})`;
  return sealed({
    fallback: `Backup repository ${input.location} is nearly full: ${bytes(input.freeBytes)} free`,
    color: COLORS.orange,
    pretext: 'Backup repository nearly full',
    title: `Backup repository ${input.location} is nearly full`,
    text: [
      `${free} free; the next backup is estimated to add ${bytes(input.estimateBytes)}${runway}.`,
      '**How to act:** `mmbackup prune --dry-run` shows what the retention policy would remove; '
        + 'then run `mmbackup prune`, tighten the retention policy, or give the repository more space.',
    ].join('\n'),
    fields: [field('Repository', input.location), field('Free', free), field('Next backup (estimate)', bytes(input.estimateBytes))],
    footer: footer(input),
  });
}

/** A verification or a prune that failed: red (a snapshot may be damaged, or the repository keeps growing). */
export function jobFailedMessage(input: JobFailedInput): AlertAttachment {
  const { error } = input;
  const what = input.kind === 'verify' ? `Verification of snapshot ${input.snapshotId ?? 'latest'}` : 'Prune';
  const act = input.kind === 'verify'
    ? `run \`mmbackup verify --read-data ${input.snapshotId ?? 'latest'}\` on the bridge host to repeat it; until it passes, do not count on this snapshot for a restore.`
    : 'fix the cause, then run `mmbackup prune --dry-run` and `mmbackup prune` on the bridge host.';
  return sealed({
    fallback: `${what} failed at step ${error.step}: ${error.message}`,
    color: COLORS.red,
    pretext: `${input.kind === 'verify' ? 'Verification' : 'Prune'} failed`,
    title: `${what} failed at step ${error.step}`,
    text: [`**Cause:** ${error.message}`, `**Fix:** ${error.fix ?? 'see the bridge log'}`, `**How to act:** ${act}`].join('\n'),
    fields: [field('Step', error.step), field('Code', error.code), ...(input.snapshotId ? [field('Snapshot', input.snapshotId)] : [])],
    footer: footer(input),
  });
}

/** The repository answers and has room again, after an alert said otherwise: green. */
export function repositoryRecoveredMessage(input: Origin & { location: string }): AlertAttachment {
  return sealed({
    fallback: `Backup repository ${input.location} is fine again`,
    color: COLORS.green,
    pretext: 'Backup repository back to normal',
    title: `Backup repository ${input.location} is reachable and has room again`,
    text: 'Scheduled backups can write to it again; `/backup status` shows the next run.',
    fields: [field('Repository', input.location)],
    footer: footer(input),
  });
}

/** error for red, warning for orange, info for green. */
export function severityOf(attachment: AlertAttachment): 'error' | 'warning' | 'info' {
  return attachment.color === COLORS.red ? 'error' : attachment.color === COLORS.orange ? 'warning' : 'info';
}

/**
 * The alert as one Markdown message: the title in bold after a marker of its severity, the text, the fields on
 * one line, the footer in italics. Every part was redacted by sealed().
 */
export function markdownOf(attachment: AlertAttachment): string {
  const marker = { error: ':red_circle:', warning: ':warning:', info: ':white_check_mark:' }[severityOf(attachment)];
  const fields = attachment.fields.map((f) => `**${f.title}:** ${f.value}`).join(' · ');
  return [`${marker} **${attachment.title}**`, attachment.text, ...(fields ? ['', fields] : []), `_${attachment.footer}_`].join('\n');
}

function field(title: string, value: string, short = true): AlertField {
  return { title, value, short };
}

function footer(origin: Origin): string {
  return origin.host ? `mmbackup on ${origin.host}` : 'mmbackup';
}

/** The log tail as a code block; a ``` inside a line would end the block early, so it is broken up. */
function logBlock(lines: readonly string[] | undefined): string[] {
  if (!lines?.length) return [];
  const tail = lines.slice(-LOG_TAIL_LINES).map((line) => clip(line).replace(/```/g, '`\u200b``'));
  return ['', `Last ${tail.length} log ${tail.length === 1 ? 'line' : 'lines'}:`, '```', ...tail, '```'];
}

/** Up to MAX_LISTED items as a bullet list, saying how many more there were. */
function listed(items: readonly string[]): string[] {
  const shown = items.slice(0, MAX_LISTED).map((item) => `- ${clip(item)}`);
  return items.length > MAX_LISTED ? [...shown, `- … and ${items.length - MAX_LISTED} more`] : shown;
}

/** Shortens a long line; redacts first, because a cut through a secret would leave a fragment redact() misses. */
function clip(line: string): string {
  const safe = redact(line);
  return safe.length > MAX_LINE ? `${safe.slice(0, MAX_LINE - 1)}…` : safe;
}

/** Redacts every string of the attachment: the single exit, so no builder can forget it. */
function sealed(attachment: AlertAttachment): AlertAttachment {
  return {
    ...attachment,
    fallback: redact(attachment.fallback),
    pretext: redact(attachment.pretext),
    title: redact(attachment.title),
    text: redact(attachment.text),
    fields: attachment.fields.map((f) => ({ ...f, title: redact(f.title), value: redact(f.value) })),
    footer: redact(attachment.footer),
  };
}
