/**
 * Parses the cron syntax the bridge accepts for its schedules: 5 fields (minute hour day-of-month month
 * day-of-week) or 6 with seconds first, as node-cron takes them; each field a comma list of `*`, `a`,
 * `a-b`, `*\/s`, `a-b/s` or `a/s` (a to the field's end in steps of s); month and weekday names (jan, mon);
 * weekday 7 is Sunday like 0; and the nicknames @yearly/@annually, @monthly, @weekly, @daily/@midnight,
 * @hourly. node-cron's extensions (L, W, #) are refused: the bridge could not preview or check them.
 *
 * Day-of-month and day-of-week are combined with AND, because that is what node-cron (which fires the
 * jobs) does; classic Vixie cron ORs them when both are restricted. describeCron() says so when it matters.
 */

/** A parsed expression: the allowed values of each field, sorted ascending. */
export interface ParsedCron {
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 = Sunday ... 6 = Saturday */
  weekdays: number[];
  /** The fields as written (5-field expressions get "0" seconds), after nickname expansion. */
  fields: { second: string; minute: string; hour: string; dayOfMonth: string; month: string; dayOfWeek: string };
  /** Whether seconds were given (6 fields). */
  hasSeconds: boolean;
}

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value of names[0]. */
  nameBase?: number;
}

const SPECS: FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

/** Thrown (and caught by validateCron) with a message fit for an admin. */
export class CronSyntaxError extends Error {}

function parseValue(text: string, spec: FieldSpec): number {
  const lower = text.toLowerCase();
  const named = spec.names?.indexOf(lower) ?? -1;
  if (named >= 0) return named + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(`"${text}" is not a valid ${spec.name}`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw new CronSyntaxError(`${spec.name} ${value} is out of range (${spec.min}-${spec.max})`);
  }
  return value;
}

/** The values one comma-separated part allows. */
function parsePart(part: string, spec: FieldSpec): number[] {
  const match = /^([^/]+)(?:\/(\d+))?$/.exec(part);
  if (!match) throw new CronSyntaxError(`"${part}" is not a valid ${spec.name} (use a value, a range a-b, or a step like */15)`);
  const [, range, stepText] = match;
  const step = stepText === undefined ? 1 : Number(stepText);
  if (step < 1) throw new CronSyntaxError(`the step in "${part}" must be at least 1`);
  let from: number;
  let to: number;
  if (range === '*') {
    [from, to] = [spec.min, spec.max];
  } else if (range.includes('-')) {
    const [a, b, ...rest] = range.split('-');
    if (rest.length > 0) throw new CronSyntaxError(`"${part}" is not a valid ${spec.name} range`);
    [from, to] = [parseValue(a, spec), parseValue(b, spec)];
    if (from > to) throw new CronSyntaxError(`the ${spec.name} range "${range}" runs backwards`);
  } else {
    from = parseValue(range, spec);
    to = stepText === undefined ? from : spec.max; // "5/15": from 5 to the end, as Vixie cron reads it
  }
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

function parseField(text: string, spec: FieldSpec): number[] {
  if (text === '' || text.split(',').some((p) => p === '')) throw new CronSyntaxError(`the ${spec.name} field has an empty entry`);
  const values = new Set<number>();
  for (const part of text.split(',')) for (const v of parsePart(part, spec)) values.add(spec.name === 'day of week' && v === 7 ? 0 : v);
  return [...values].sort((a, b) => a - b);
}

/** Parses `expr`; throws CronSyntaxError naming the field at fault. */
export function parseCron(expr: string): ParsedCron {
  const trimmed = expr.trim();
  const expanded = NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
  if (expanded.startsWith('@')) throw new CronSyntaxError(`unknown nickname "${trimmed}" (known: ${Object.keys(NICKNAMES).join(', ')})`);
  const parts = expanded.split(/\s+/).filter(Boolean);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new CronSyntaxError(`a cron expression has 5 fields (minute hour day-of-month month day-of-week), "${trimmed}" has ${parts.length}`);
  }
  const hasSeconds = parts.length === 6;
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = hasSeconds ? parts : ['0', ...parts];
  const texts = [second, minute, hour, dayOfMonth, month, dayOfWeek];
  const [seconds, minutes, hours, daysOfMonth, months, weekdays] = texts.map((t, i) => parseField(t, SPECS[i]));
  return {
    seconds, minutes, hours, daysOfMonth, months, weekdays, hasSeconds,
    fields: { second, minute, hour, dayOfMonth, month, dayOfWeek },
  };
}

export { DAY_NAMES, MONTH_NAMES };
