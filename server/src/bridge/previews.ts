/**
 * The schedule and retention previews of the System Console: pure functions of the values asked about, the
 * settings in force and (for retention) the repository's real snapshots. Retention runs prune's own
 * decision (policy plus the safety rules: never the newest snapshot, never the newest verified one), so the
 * preview says exactly what the next prune would keep; nothing is removed here.
 */
import type { RetentionPreview, RetentionPreviewRequest, SchedulePreview } from '../api/core';
import { decide } from '../engine/prune';
import { isValidTimeZone } from '../retention/calendar';
import { parseDuration } from '../retention/duration';
import { describePolicy, type RetentionPolicy } from '../retention/policy';
import type { SnapshotManifest } from '../repository/snapshots';
import type { VerificationRecord } from '../repository/verifications';
import { describeCron, nextRuns, validateCron } from '../schedule/cron';
import { retentionPolicyOf } from '../settings/load';
import type { Settings } from '../settings/schema';

const CRON_FIX = 'write five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *" for every day at 03:00';

/** The next `count` runs of `cron` in `timeZone` after `now`, or why the schedule cannot be used. */
export function previewSchedule(cron: string, timeZone: string, count: number, now: Date): SchedulePreview {
  if (!isValidTimeZone(timeZone)) {
    return { valid: false, problem: `"${timeZone}" is not a time zone this system knows: use an IANA name such as UTC or Europe/Berlin` };
  }
  if (cron.trim() === '') return { valid: false, problem: `the schedule is empty: ${CRON_FIX}` };
  const problem = validateCron(cron);
  if (problem) return { valid: false, problem: `${problem}: ${CRON_FIX}` };
  return { valid: true, description: describeCron(cron, timeZone), nextRuns: nextRuns(cron, timeZone, now, count).map((d) => d.toISOString()) };
}

/** The settings' policy with the request's values in place of the settings' (0 or "" turns a rule off). */
export function previewPolicy(settings: Settings, request: RetentionPreviewRequest): RetentionPolicy {
  const policy = retentionPolicyOf(settings);
  const counts = { last: request.keepLast, hourly: request.keepHourly, daily: request.keepDaily, weekly: request.keepWeekly, monthly: request.keepMonthly, yearly: request.keepYearly };
  for (const [rule, n] of Object.entries(counts) as Array<[keyof typeof counts, number | undefined]>) {
    if (n === undefined) continue;
    if (n > 0) policy[rule] = n;
    else delete policy[rule];
  }
  if (request.keepWithin !== undefined) {
    const within = request.keepWithin ? parseDuration(request.keepWithin) : undefined;
    if (within) policy.within = within;
    else delete policy.within;
  }
  if (request.timeZone) policy.timeZone = request.timeZone;
  return policy;
}

/** What the policy and prune's safety rules do to `snapshots` (newest first, as listSnapshots gives them). */
export function previewRetention(snapshots: SnapshotManifest[], records: VerificationRecord[], policy: RetentionPolicy, now: Date): RetentionPreview {
  const verdicts = decide(snapshots, policy, records, now);
  const keep = new Map(verdicts.kept.map((k) => [k.id, k.reasons]));
  const remove = new Map(verdicts.removed.map((r) => [r.id, r.reason]));
  return {
    description: describePolicy(policy),
    snapshots: snapshots.map((s) => ({
      id: s.id,
      finishedAt: s.finishedAt,
      keep: keep.has(s.id),
      reasons: keep.get(s.id) ?? [remove.get(s.id) ?? 'no rule keeps it'],
    })),
  };
}
