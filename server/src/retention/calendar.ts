/**
 * Calendar arithmetic in an IANA time zone, for retention buckets and --keep-within. Pure: the only
 * source of zone rules is the runtime's Intl data, nothing reads the clock or the host's zone.
 *
 * Buckets are labelled, not numbered, so that a reason can name them: hourly "2026-11-03T14", daily
 * "2026-11-03", weekly "2026-W45" (ISO 8601 weeks, Monday to Sunday, as restic), monthly "2026-11",
 * yearly "2026".
 */

export type BucketKind = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

/** The wall clock in a zone. Months are 1-12. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether the runtime knows the zone (e.g. "Europe/Berlin", "UTC"). */
export function isValidTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    // Throws RangeError for a zone the runtime does not know.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The wall clock at instant `ms` in `zone`. */
export function wallClock(ms: number, zone: string): WallClock {
  const millisecond = ((ms % 1000) + 1000) % 1000;
  if (zone === 'UTC') {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), millisecond };
  }
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(ms - millisecond))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second, millisecond };
}

/** The wall clock `w` read as UTC. Unlike Date.UTC, years 0-99 stay years 0-99 (a "2000y" duration). */
function asUtc(w: WallClock): number {
  const d = new Date(Date.UTC(2000, 0, 1, w.hour, w.minute, w.second, w.millisecond));
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  return d.getTime();
}

/** How far the zone's wall clock is ahead of UTC at instant `ms`. */
function offsetAt(ms: number, zone: string): number {
  return asUtc(wallClock(ms, zone)) - ms;
}

/**
 * The instant at which `zone` shows the wall clock `w`. Out-of-range fields roll over (day 0 is the last
 * day of the previous month; 31 February is early March), as Go's time.Date and AddDate do. A wall
 * time skipped by a DST change resolves to an instant next to the gap.
 */
export function fromWallClock(w: WallClock, zone: string): number {
  const utc = asUtc(w);
  const first = utc - offsetAt(utc, zone);
  return utc - offsetAt(first, zone); // again at the first guess: the offset may differ across a DST change
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** ISO 8601 week-numbering year and week of a calendar date. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = Date.UTC(year, month - 1, day);
  const weekday = ((new Date(date).getUTCDay() + 6) % 7) + 1; // Monday 1 .. Sunday 7
  const thursday = new Date(date + (4 - weekday) * 86_400_000); // the week belongs to its Thursday's year
  const weekYear = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * 86_400_000));
  return { year: weekYear, week };
}

/** The label of the calendar bucket that instant `ms` falls into, in `zone`. */
export function bucketLabel(kind: BucketKind, ms: number, zone: string): string {
  const w = wallClock(ms, zone);
  switch (kind) {
    case 'hourly':
      return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}`;
    case 'daily':
      return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
    case 'weekly': {
      const iso = isoWeek(w.year, w.month, w.day);
      return `${pad(iso.year, 4)}-W${pad(iso.week)}`;
    }
    case 'monthly':
      return `${pad(w.year, 4)}-${pad(w.month)}`;
    case 'yearly':
      return pad(w.year, 4);
  }
}
