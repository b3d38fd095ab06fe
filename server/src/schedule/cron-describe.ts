/**
 * Plain-English text for the common shapes of a schedule, for the System Console and alerts: "every day
 * at 03:00 (UTC)", "every Sunday at 04:00 (Europe/Berlin)", "every 15 minutes". Anything else is shown as
 * the expression with its zone, which is exact if less friendly. The zone is always in parentheses.
 */
import { CronSyntaxError, parseCron, type ParsedCron } from './cron-parse';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function list(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function isNumber(text: string): boolean {
  return /^\d+$/.test(text);
}

/** "*\/n" → n */
function everyStep(text: string): number | undefined {
  const m = /^\*\/(\d+)$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The days part: "every day", "every Monday and Friday", "on day 1 of every month"; undefined if unusual. */
function daysPart(c: ParsedCron): string | undefined {
  const { dayOfMonth, month, dayOfWeek } = c.fields;
  if (month !== '*') return undefined;
  if (dayOfMonth === '*' && dayOfWeek === '*') return 'every day';
  if (dayOfMonth === '*') {
    if (c.weekdays.join() === '1,2,3,4,5') return 'every weekday (Monday to Friday)';
    return `every ${list(c.weekdays.map((d) => WEEKDAYS[d]))}`;
  }
  if (dayOfWeek === '*' && isNumber(dayOfMonth)) return `on day ${dayOfMonth} of every month`;
  return undefined;
}

/** Repeating shapes within the day: every second/minute/n minutes/hour. */
function repeatingPart(c: ParsedCron): string | undefined {
  const { second, minute, hour } = c.fields;
  if (c.hasSeconds && second !== '0') {
    if (minute !== '*' || hour !== '*') return undefined;
    if (second === '*') return 'every second';
    const step = everyStep(second);
    return step ? `every ${step} seconds` : undefined;
  }
  if (hour === '*' && minute === '*') return 'every minute';
  const minuteStep = everyStep(minute);
  if (hour === '*' && minuteStep) return `every ${minuteStep} minutes`;
  if (hour === '*' && isNumber(minute)) return `every hour at minute ${Number(minute)}`;
  const hourStep = everyStep(hour);
  if (hourStep && isNumber(minute)) return `every ${hourStep} hours at minute ${Number(minute)}`;
  return undefined;
}

/** Fixed times of day: "03:00", "03:00 and 15:00"; undefined when not a short list of times. */
function timesPart(c: ParsedCron): string | undefined {
  const { second, minute, hour } = c.fields;
  if (c.hasSeconds && !isNumber(second)) return undefined;
  if (!isNumber(minute) || c.hours.length > 4 || hour.includes('*')) return undefined;
  const s = c.hasSeconds && Number(second) !== 0 ? `:${pad(Number(second))}` : '';
  return list(c.hours.map((h) => `${pad(h)}:${pad(Number(minute))}${s}`));
}

function describeParsed(c: ParsedCron, zone: string): string | undefined {
  const days = daysPart(c);
  if (!days) return undefined;
  const repeating = repeatingPart(c);
  // A repeating schedule only depends on the zone when its days are restricted.
  if (repeating) return days === 'every day' ? repeating : `${repeating}, ${days} (${zone})`;
  const times = timesPart(c);
  if (!times) return undefined;
  return `${days} at ${times} (${zone})`;
}

/**
 * Human text for `expr` in `zone`; for shapes it does not know (or an invalid expression) the expression
 * itself followed by the zone in parentheses. Never throws.
 */
export function describeCron(expr: string, zone: string): string {
  let text: string | undefined;
  try {
    text = describeParsed(parseCron(expr), zone);
  } catch (err) {
    if (!(err instanceof CronSyntaxError)) throw err;
  }
  return text ?? `${expr.trim()} (${zone})`;
}
