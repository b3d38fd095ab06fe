/**
 * Cron schedules in a time zone, all from one library, croner: it validates an expression, predicts the next
 * runs (the status API's "next runs", the console's preview, the overdue check) and fires the jobs
 * (./scheduler.ts), so what the console shows is what happens. Plain-English descriptions come from cronstrue.
 *
 * The syntax: 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; lists, ranges,
 * steps, month and weekday names, weekday 7 = Sunday, the nicknames @yearly, @monthly, @weekly, @daily,
 * @hourly, and croner's L (last), W (nearest weekday) and # (nth weekday). Day-of-month and day-of-week
 * combine with AND ("0 0 13 * fri": only a Friday the 13th), as the bridge always did; classic Vixie cron ORs them.
 *
 * Daylight-saving changes follow Vixie cron, so a nightly backup is never skipped or doubled:
 * - a wall time that does not exist (Europe/Berlin 02:30 on the spring-forward Sunday) runs once at the
 *   first instant after the gap (03:00 CEST) for fixed-time expressions; expressions repeating within the
 *   day (a `*` or a step in the second, minute or hour field) just have no run in the missing hour;
 * - a wall time that occurs twice (02:30 on the fall-back Sunday) runs once, at its first occurrence, for
 *   fixed-time expressions, and at both for repeating ones (each real hour gets its run).
 * Lists and ranges (`0,30 2 * * *`) count as fixed times, as in Vixie cron (croner's fixedTimeRule "no-wildcard").
 */
import { Cron, type CronOptions } from 'croner';
import { toString as cronText } from 'cronstrue';
import { isValidTimeZone } from '../retention/calendar';

/** The options every Cron of the bridge is built with, predicting or firing: one definition of the rules above. */
export function cronOptions(zone: string): CronOptions {
  return { timezone: zone, domAndDow: true, fixedTimeRule: 'no-wildcard', mode: '5-or-6-parts' };
}

/** Field names and ranges as an admin writes them; croner reports day of month and month counted from 0. */
const FIELDS: Record<string, { label: string; offset: number; range: string }> = {
  second: { label: 'second', offset: 0, range: '0-59' },
  minute: { label: 'minute', offset: 0, range: '0-59' },
  hour: { label: 'hour', offset: 0, range: '0-23' },
  day: { label: 'day of month', offset: 1, range: '1-31' },
  month: { label: 'month', offset: 1, range: '1-12' },
  dayOfWeek: { label: 'day of week', offset: 0, range: '0-7' },
};

/** croner's message in the admin's terms: "hour 25 is out of range (0-23)", else without its class prefix. */
function reason(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern:\s*/, '');
  const range = /^Invalid value for (\w+): (-?\d+)$/.exec(message);
  const field = range && FIELDS[range[1]];
  return field ? `${field.label} ${Number(range[2]) + field.offset} is out of range (${field.range})` : message;
}

/** A Cron without a function (it predicts, never fires); throws an Error an admin can act on for a bad expression. */
function build(expr: string, zone: string): Cron {
  const trimmed = expr.trim();
  const fields = trimmed.split(/\s+/).length;
  // Counted here because croner's own message offers a 7th (year) field the bridge does not take.
  if (!trimmed.startsWith('@') && fields !== 5 && fields !== 6) {
    throw new Error(`"${trimmed}" has ${fields} fields: a cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first`);
  }
  try {
    return new Cron(trimmed, cronOptions(zone));
  } catch (err) {
    const why = reason(err);
    throw new Error(/out of range/.test(why) ? `${why} in "${trimmed}"` : `"${trimmed}" is not a valid cron expression: ${why}`);
  }
}

/**
 * Why `expr` is not a usable schedule, or undefined when it is: croner accepts it and it matches at least one
 * time (not "31 February").
 */
export function validateCron(expr: string): string | undefined {
  let cron: Cron;
  try {
    cron = build(expr, 'UTC');
  } catch (err) {
    return reason(err);
  }
  if (cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null) return `"${expr.trim()}" never matches a real date`;
  return undefined;
}

/** A Cron for predictions; throws RangeError on an unknown zone and Error on a bad expression. */
function predictor(expr: string, zone: string): Cron {
  if (!isValidTimeZone(zone)) throw new RangeError(`unknown time zone "${zone}"`);
  return build(expr, zone);
}

/** The first run strictly after `after`; undefined if the expression never matches. Throws on a bad expression or zone. */
export function nextRun(expr: string, zone: string, after: Date): Date | undefined {
  return predictor(expr, zone).nextRun(after) ?? undefined;
}

/** The next `count` runs strictly after `after`, ascending. Throws on a bad expression or zone. */
export function nextRuns(expr: string, zone: string, after: Date, count: number): Date[] {
  return predictor(expr, zone).nextRuns(count, after);
}

/** cronstrue's words for the weekday field alone: "only on Friday" -> "Friday", "Monday through Friday". */
function weekdaysText(dayOfWeek: string): string {
  return cronText(`0 0 * * ${dayOfWeek}`, { use24HourTimeFormat: true }).replace(/^At 00:00, (only on )?/, '');
}

/**
 * Human text for `expr` in `zone`, always ending with the zone in parentheses: "At 03:00 (Europe/Berlin)",
 * "At 02:30, Monday through Friday (UTC)", "Every 15 minutes (UTC)". An expression cronstrue cannot read is
 * shown as itself with the zone. Never throws.
 */
export function describeCron(expr: string, zone: string): string {
  const trimmed = expr.trim();
  let text: string;
  try {
    const fields = trimmed.split(/\s+/);
    const [dayOfMonth, dayOfWeek] = fields.length >= 5 ? [fields.at(-3)!, fields.at(-1)!] : ['*', '*'];
    if (dayOfMonth !== '*' && dayOfMonth !== '?' && dayOfWeek !== '*' && dayOfWeek !== '?') {
      // cronstrue reads both restricted as Vixie's OR ("on day 13 of the month, and on Friday"); the bridge ANDs them.
      const dayOnly = [...fields.slice(0, -1), '*'].join(' ');
      text = `${cronText(dayOnly, { use24HourTimeFormat: true, throwExceptionOnParseError: true })}, only if that day is ${weekdaysText(dayOfWeek)}`;
    } else {
      text = cronText(trimmed, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
    }
  } catch {
    text = trimmed;
  }
  return `${text} (${zone})`;
}
