/**
 * Calendar durations for --keep-within, in restic's notation: a number and a unit, repeated, e.g. "30d",
 * "1y2m", "12h", "2y5m7d3h". Units: y years, m MONTHS (not minutes), d days, h hours, plus w weeks
 * (7 days; restic has no "w"). Years, months and days are calendar steps in the policy's time zone;
 * hours are exact hours, as restic subtracts them.
 */
import { fromWallClock, wallClock } from './calendar';

export interface RetentionDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
  /** As the admin wrote it, for reasons like "within 30d". */
  text: string;
}

const UNIT_FIELDS: Record<string, { field: 'years' | 'months' | 'days' | 'hours'; factor: number }> = {
  y: { field: 'years', factor: 1 },
  m: { field: 'months', factor: 1 },
  w: { field: 'days', factor: 7 },
  d: { field: 'days', factor: 1 },
  h: { field: 'hours', factor: 1 },
};

/**
 * Parses a duration; undefined when the text is not one (the caller names the option in its error).
 * Each unit may appear once. "0d" is a valid, zero duration.
 */
export function parseDuration(text: string): RetentionDuration | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d+[ymwdh])+$/.test(trimmed)) return undefined;
  const duration: RetentionDuration = { years: 0, months: 0, days: 0, hours: 0, text: trimmed };
  const seen = new Set<string>();
  for (const [, digits, unit] of trimmed.matchAll(/(\d+)([ymwdh])/g)) {
    if (seen.has(unit)) return undefined;
    seen.add(unit);
    const { field, factor } = UNIT_FIELDS[unit];
    duration[field] += Number(digits) * factor;
  }
  return Number.isSafeInteger(duration.years + duration.months + duration.days + duration.hours) ? duration : undefined;
}

export function isZeroDuration(d: RetentionDuration): boolean {
  return d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0;
}

/**
 * The instant `d` before `ms`: the calendar part is taken on the wall clock of `zone` (so "1m" before
 * 31 March is 3 March, as Go's AddDate rolls over), then the hours are subtracted exactly.
 */
export function subtractDuration(ms: number, d: RetentionDuration, zone: string): number {
  const w = wallClock(ms, zone);
  const shifted = fromWallClock({ ...w, year: w.year - d.years, month: w.month - d.months, day: w.day - d.days }, zone);
  return shifted - d.hours * 3_600_000;
}
