/**
 * Retention: which snapshots a policy keeps. A pure function of the snapshots' times and tags, the policy
 * and "now", with restic's semantics (restic internal/data ApplyPolicy), so admins who know `restic
 * forget` know this:
 *
 * - Snapshots are taken newest first. Every rule is applied to every snapshot; a snapshot is kept when
 *   any rule keeps it (OR), and each kept snapshot lists every rule that keeps it.
 * - keep-last N: the N newest snapshots.
 * - keep-hourly/daily/weekly/monthly/yearly N: calendar buckets (hour, day, ISO week Monday-Sunday, month,
 *   year) on the wall clock of the policy's time zone (default UTC). Walking newest first, a snapshot
 *   whose bucket differs from the last bucket this rule kept is the newest of its bucket and is kept, until
 *   N buckets are kept. Only buckets that hold a snapshot count: "daily 7" is the last 7 days that have
 *   a backup, not the last 7 calendar days. "unlimited" (Infinity) keeps one per bucket forever.
 * - When a bucket rule still has buckets to fill at the oldest snapshot, the oldest snapshot is kept
 *   too ("oldest daily snapshot"), which stretches the history as far as the counts allow (restic does
 *   the same since 0.16).
 * - keep-within D: every snapshot taken after (newest snapshot's time - D). The newest snapshot is the
 *   newest one not in the future relative to `now`; a snapshot dated in the future (a wrong clock) is
 *   always within.
 * - keep-tag T (repeatable): every snapshot carrying any of the tags.
 * - An empty policy (no rule, or only zero counts and durations) keeps everything: it is never read as
 *   "delete all".
 * - Safety snapshots taken by restore (tagged "pre-restore") get no special treatment: the same rules
 *   apply, so an admin who wants them kept says --keep-tag pre-restore.
 *
 * The safety rules that override a policy (the newest snapshot, the newest verified one) are prune's
 * business (../engine/prune.ts), not this function's.
 */
import { bucketLabel, type BucketKind } from './calendar';
import { isZeroDuration, subtractDuration, type RetentionDuration } from './duration';

export interface RetentionPolicy {
  /** Counts: undefined or 0 = rule off; Infinity = unlimited. */
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  within?: RetentionDuration;
  /** Keep every snapshot carrying any of these tags. */
  tags?: string[];
  /** IANA zone whose calendar defines the buckets; default UTC. */
  timeZone?: string;
}

export interface PolicySnapshot {
  id: string;
  time: Date | string;
  tags: string[];
}

/** Both lists newest first; every input snapshot is in exactly one of them. */
export interface PolicyResult {
  keep: Array<{ id: string; reasons: string[] }>;
  remove: Array<{ id: string; reason: string }>;
}

export const EMPTY_POLICY_REASON = 'no retention rule given: an empty policy keeps every snapshot';

const BUCKET_KINDS: BucketKind[] = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'];
type CountRule = 'last' | BucketKind;

interface Candidate {
  id: string;
  ms: number;
  tags: string[];
}

/** A count rule while walking the snapshots: how many buckets it may still keep, and the last it kept. */
interface BucketState {
  kind: CountRule;
  count: number;
  left: number;
  lastLabel?: string;
}

/** What one snapshot collected from the rules. */
interface Verdict {
  reasons: string[];
  misses: string[];
}

export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  const counts = [policy.last, policy.hourly, policy.daily, policy.weekly, policy.monthly, policy.yearly];
  return counts.every((n) => !n) && (!policy.within || isZeroDuration(policy.within)) && !policy.tags?.length;
}

/** Applies `policy` to `snapshots`. Throws on a snapshot time that is not a date. */
export function applyPolicy(snapshots: PolicySnapshot[], policy: RetentionPolicy, now: Date = new Date()): PolicyResult {
  const zone = policy.timeZone ?? 'UTC';
  const list = newestFirst(snapshots);
  if (isEmptyPolicy(policy)) return { keep: list.map((s) => ({ id: s.id, reasons: [EMPTY_POLICY_REASON] })), remove: [] };

  const buckets = bucketStates(policy);
  const cutoff = withinCutoff(list, policy, zone, now.getTime());
  const result: PolicyResult = { keep: [], remove: [] };
  list.forEach((snapshot, index) => {
    const verdict: Verdict = { reasons: [], misses: [] };
    applyTags(snapshot, policy.tags ?? [], verdict);
    if (cutoff !== undefined) applyWithin(snapshot, cutoff, policy.within!, verdict);
    const oldest = index === list.length - 1;
    for (const bucket of buckets) applyBucket(bucket, bucket.kind === 'last' ? `#${index}` : bucketLabel(bucket.kind, snapshot.ms, zone), oldest, verdict);
    if (verdict.reasons.length > 0) result.keep.push({ id: snapshot.id, reasons: verdict.reasons });
    else result.remove.push({ id: snapshot.id, reason: `no rule keeps it: ${verdict.misses.join('; ')}` });
  });
  return result;
}

function newestFirst(snapshots: PolicySnapshot[]): Candidate[] {
  const list = snapshots.map((s) => {
    const ms = (s.time instanceof Date ? s.time : new Date(s.time)).getTime();
    if (Number.isNaN(ms)) throw new TypeError(`snapshot ${s.id} has no valid time: ${String(s.time)}`);
    return { id: s.id, ms, tags: s.tags };
  });
  // Equal times are ordered by id so that the result never depends on the listing order.
  return list.sort((a, b) => b.ms - a.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function bucketStates(policy: RetentionPolicy): BucketState[] {
  const rules: Array<[CountRule, number | undefined]> = [['last', policy.last], ...BUCKET_KINDS.map((k): [CountRule, number | undefined] => [k, policy[k]])];
  return rules.filter(([, n]) => n !== undefined && n > 0).map(([kind, n]) => ({ kind, count: n!, left: n! }));
}

/** Snapshots taken after the cutoff are within; undefined when the policy has no keep-within. */
function withinCutoff(list: Candidate[], policy: RetentionPolicy, zone: string, now: number): number | undefined {
  if (!policy.within || isZeroDuration(policy.within)) return undefined;
  // The newest snapshot that is not in the future: a wrong clock on one run must not expire the rest.
  const newest = list.find((s) => s.ms < now);
  if (!newest) return -Infinity;
  return subtractDuration(newest.ms, policy.within, zone);
}

function applyTags(snapshot: Candidate, tags: string[], verdict: Verdict): void {
  if (tags.length === 0) return;
  const matching = tags.filter((t) => snapshot.tags.includes(t));
  if (matching.length > 0) verdict.reasons.push(...matching.map((t) => `tagged ${t}`));
  else verdict.misses.push(`not tagged ${tags.join(' or ')}`);
}

function applyWithin(snapshot: Candidate, cutoff: number, within: RetentionDuration, verdict: Verdict): void {
  if (snapshot.ms > cutoff) verdict.reasons.push(`within ${within.text}`);
  else verdict.misses.push(`older than ${within.text} before the newest snapshot (${new Date(cutoff).toISOString()})`);
}

/** One count rule on one snapshot; `label` identifies the snapshot's bucket for this rule. */
function applyBucket(bucket: BucketState, label: string, oldest: boolean, verdict: Verdict): void {
  const count = bucket.count === Infinity ? 'unlimited' : String(bucket.count);
  if (bucket.left <= 0) {
    verdict.misses.push(bucket.kind === 'last' ? `not among the last ${count}` : `older than the ${count} ${bucket.kind} buckets kept`);
    return;
  }
  const newBucket = label !== bucket.lastLabel;
  if (!newBucket && !oldest) {
    verdict.misses.push(`${bucket.kind} bucket ${label} is kept by a newer snapshot`);
    return;
  }
  bucket.lastLabel = label;
  bucket.left--;
  if (bucket.kind === 'last') verdict.reasons.push(`last ${count} snapshot${bucket.count === 1 ? '' : 's'}`);
  else verdict.reasons.push(`${newBucket ? '' : 'oldest '}${bucket.kind} snapshot (bucket ${label})`);
}

/** The policy in words, for the start of prune's output. */
export function describePolicy(policy: RetentionPolicy): string {
  if (isEmptyPolicy(policy)) return 'no retention rule: keep every snapshot';
  const counts = (['last', ...BUCKET_KINDS] as CountRule[])
    .filter((k) => policy[k])
    .map((k) => {
      const n = policy[k] === Infinity ? 'unlimited' : String(policy[k]);
      return k === 'last' ? `last ${n}` : `${n} ${k}`;
    });
  const parts = [counts.join(', ')];
  if (policy.within && !isZeroDuration(policy.within)) parts.push(`every snapshot within ${policy.within.text} of the newest`);
  if (policy.tags?.length) parts.push(`every snapshot tagged ${policy.tags.join(' or ')}`);
  return `keep ${parts.filter(Boolean).join('; ')} (calendar in ${policy.timeZone ?? 'UTC'})`;
}
