/**
 * Pure questions about time the scheduler and the alerts ask: is a scheduled run owed, and how old is the
 * newest good backup compared with the recovery point objective (RPO). No clock is read: `now` is passed.
 */
import { nextRun } from './cron';

const HOUR_MS = 3_600_000;

/**
 * Whether a run of `expr` (in `zone`) fell due after `lastRunAt` and at or before `now`: a run was missed
 * (the bridge was down, or busy) and should happen now. A job that never ran
 * (`lastRunAt` undefined) is overdue, so a new installation gets its first backup at start. Throws on an
 * invalid expression or zone (settings are validated before they get here).
 */
export function isOverdue(lastRunAt: Date | undefined, expr: string, zone: string, now: Date): boolean {
  if (!lastRunAt) return true;
  const due = nextRun(expr, zone, lastRunAt);
  return due !== undefined && due.getTime() <= now.getTime();
}

/** Milliseconds since the last successful backup; undefined when there never was one. Never negative (clock skew). */
export function rpoAge(lastSuccessAt: Date | undefined, now: Date): number | undefined {
  if (!lastSuccessAt) return undefined;
  return Math.max(0, now.getTime() - lastSuccessAt.getTime());
}

/**
 * Whether the newest good backup is older than `rpoHours` (or there is none): the dead man's switch.
 * Exactly `rpoHours` old is not yet breached.
 */
export function rpoBreached(lastSuccessAt: Date | undefined, rpoHours: number, now: Date): boolean {
  const age = rpoAge(lastSuccessAt, now);
  return age === undefined || age > rpoHours * HOUR_MS;
}
