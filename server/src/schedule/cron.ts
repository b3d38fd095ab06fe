/**
 * Cron schedules in a time zone: validation, and the next run times for the status API's "next runs", the
 * console's preview and the overdue check. node-cron (which fires the jobs) only computes next runs from
 * the current clock, so this is our own calculator over the syntax of ./cron-parse.ts.
 *
 * Daylight-saving changes follow Vixie cron, so a nightly backup is never skipped or doubled:
 * - a wall time that does not exist (Europe/Berlin 02:30 on the spring-forward Sunday) runs once at the
 *   first instant after the gap (03:00 CEST) for fixed-time expressions; expressions repeating within the
 *   day (a `*` in the second, minute or hour field) just have no run in the missing hour;
 * - a wall time that occurs twice (02:30 on the fall-back Sunday) runs once, at its first occurrence, for
 *   fixed-time expressions, and at both for repeating ones (each real hour gets its run).
 * node-cron itself skips a missing wall time; the scheduler's catch-up check (./scheduler.ts) runs it.
 */
import { validate as nodeCronValidate } from 'node-cron';
import { isValidTimeZone, wallClock, type WallClock } from '../retention/calendar';
import { CronSyntaxError, parseCron, type ParsedCron } from './cron-parse';

export { describeCron } from './cron-describe';
export { parseCron, type ParsedCron } from './cron-parse';

const DAY_MS = 86_400_000;
/** Long enough for the rarest valid expression (29 February on a given weekday recurs within 40 years). */
const MAX_SEARCH_DAYS = 366 * 50;

/**
 * Why `expr` is not a usable schedule, or undefined when it is. Accepted means: our parser and node-cron
 * both accept it, and it matches at least one time (not "31 February").
 */
export function validateCron(expr: string): string | undefined {
  let parsed: ParsedCron;
  try {
    parsed = parseCron(expr);
  } catch (err) {
    if (err instanceof CronSyntaxError) return err.message;
    throw err;
  }
  if (!nodeCronValidate(expr.trim())) return `"${expr}" is not accepted by the scheduler (node-cron)`;
  if (nextAfter(parsed, 'UTC', Date.UTC(2000, 0, 1)) === undefined) return `"${expr}" never matches a real date`;
  return undefined;
}

function asUtc(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** How far the zone's wall clock is ahead of UTC at `ms` (whole seconds). */
function offsetAt(ms: number, zone: string): number {
  const at = Math.floor(ms / 1000) * 1000;
  return asUtc(wallClock(at, zone)) - at;
}

function sameWall(a: WallClock, b: WallClock): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;
}

/** Repeating within the day: a `*` in the second, minute or hour field (Vixie's test for DST handling). */
function repeatsWithinDay(cron: ParsedCron): boolean {
  const { second, minute, hour } = cron.fields;
  return [second, minute, hour].some((f) => f.includes('*'));
}

/** The first instant at which the offset is `after`, between `lo` (offset before) and `hi` (offset after). */
function transitionBetween(lo: number, hi: number, after: number, zone: string): number {
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (offsetAt(mid, zone) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The instants at which the wall clock `w` should fire, by the DST rules above. */
function instantsOf(w: WallClock, zone: string, repeating: boolean): number[] {
  const u = asUtc(w);
  const before = offsetAt(u - DAY_MS, zone);
  const after = offsetAt(u + DAY_MS, zone);
  const candidates = [...new Set([u - before, u - after])].filter((t) => sameWall(wallClock(t, zone), w)).sort((a, b) => a - b);
  if (candidates.length === 0) {
    // In a spring-forward gap: the clock jumps from before to after somewhere in [u - after, u - before].
    return repeating ? [] : [transitionBetween(u - after, u - before, after, zone)];
  }
  return repeating ? candidates : candidates.slice(0, 1);
}

function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function dayMatches(cron: ParsedCron, year: number, month: number, day: number): boolean {
  return cron.months.includes(month) && cron.daysOfMonth.includes(day) && cron.weekdays.includes(weekday(year, month, day));
}

/** The first firing instant on a calendar day that is later than `afterMs`. */
function firstOnDay(cron: ParsedCron, zone: string, date: { year: number; month: number; day: number }, afterMs: number): number | undefined {
  const repeating = repeatsWithinDay(cron);
  // Offsets a little before and after the day bound every instant a wall time of the day can have (zones
  // change offset at most twice a year), so candidates that are surely too early are skipped without Intl.
  const dayStart = Date.UTC(date.year, date.month - 1, date.day);
  const smallestOffset = Math.min(offsetAt(dayStart - 2 * DAY_MS, zone), offsetAt(dayStart + 3 * DAY_MS, zone));
  for (const hour of cron.hours) {
    for (const minute of cron.minutes) {
      for (const second of cron.seconds) {
        const w = { ...date, hour, minute, second, millisecond: 0 };
        if (asUtc(w) - smallestOffset <= afterMs) continue;
        const hit = instantsOf(w, zone, repeating).find((t) => t > afterMs);
        if (hit !== undefined) return hit;
      }
    }
  }
  return undefined;
}

/** The first firing instant strictly after `afterMs`, or undefined if none within MAX_SEARCH_DAYS. */
function nextAfter(cron: ParsedCron, zone: string, afterMs: number): number | undefined {
  // Start a day early: in a fall-back overlap a later instant can show an earlier wall date and time.
  const start = wallClock(afterMs - DAY_MS, zone);
  const cursor = new Date(Date.UTC(start.year, start.month - 1, start.day));
  for (let i = 0; i < MAX_SEARCH_DAYS; i++, cursor.setUTCDate(cursor.getUTCDate() + 1)) {
    const date = { year: cursor.getUTCFullYear(), month: cursor.getUTCMonth() + 1, day: cursor.getUTCDate() };
    if (!dayMatches(cron, date.year, date.month, date.day)) continue;
    const hit = firstOnDay(cron, zone, date, afterMs);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function checked(expr: string, zone: string): ParsedCron {
  if (!isValidTimeZone(zone)) throw new RangeError(`unknown time zone "${zone}"`);
  return parseCron(expr);
}

/** The first run strictly after `after`; undefined if the expression never matches. Throws on a bad expression or zone. */
export function nextRun(expr: string, zone: string, after: Date): Date | undefined {
  const t = nextAfter(checked(expr, zone), zone, after.getTime());
  return t === undefined ? undefined : new Date(t);
}

/** The next `count` runs strictly after `after`, ascending. Throws on a bad expression or zone. */
export function nextRuns(expr: string, zone: string, after: Date, count: number): Date[] {
  const cron = checked(expr, zone);
  const runs: Date[] = [];
  let from = after.getTime();
  while (runs.length < count) {
    const t = nextAfter(cron, zone, from);
    if (t === undefined) break;
    runs.push(new Date(t));
    from = t;
  }
  return runs;
}
