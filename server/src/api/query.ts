/**
 * Query strings of the preview endpoints, checked here so that the core only sees well-formed values: each
 * parameter known and given at most once, counts whole numbers in range, durations and time zones valid.
 * Every refusal is a 400 BAD_QUERY that names the parameter, quotes (a bounded part of) the value and gives
 * an example that works.
 */
import type * as http from 'node:http';
import { isValidTimeZone } from '../retention/calendar';
import { parseDuration } from '../retention/duration';
import { HttpError } from './respond';

/** Longer values are refused outright: no schedule, duration or zone name comes close. */
const MAX_VALUE_LENGTH = 200;

export function badQuery(message: string, fix: string): HttpError {
  return new HttpError(400, 'BAD_QUERY', message, fix);
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
}

/** The query's parameters, each once; 400 for an unknown or repeated parameter or an overlong value. */
export function readQuery(req: http.IncomingMessage, known: readonly string[]): Map<string, string> {
  const search = new URL(req.url ?? '/', 'http://bridge.invalid').searchParams;
  const values = new Map<string, string>();
  for (const [name, value] of search) {
    if (!known.includes(name)) throw badQuery(`unknown query parameter ${quote(name)}`, `use only ${known.join(', ')}`);
    if (values.has(name)) throw badQuery(`the query parameter "${name}" is given more than once`, 'give each parameter once');
    if (value.length > MAX_VALUE_LENGTH) throw badQuery(`the value of "${name}" is longer than ${MAX_VALUE_LENGTH} characters`, `give a shorter ${name}`);
    values.set(name, value);
  }
  return values;
}

/** A whole number from `min` to `max`; `fallback` when absent. */
export function intParam(values: Map<string, string>, name: string, range: { min: number; max: number; fallback: number }): number {
  const raw = values.get(name);
  if (raw === undefined) return range.fallback;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n >= range.min && n <= range.max)) {
    throw badQuery(`${name} ${quote(raw)} is not a whole number from ${range.min} to ${range.max}`, `for example ${name}=${range.fallback}`);
  }
  return n;
}

/**
 * A retention count: a whole number of snapshots (0 turns the rule off) or "unlimited" (Infinity). Empty is
 * 0, as the plugin setting reads an emptied field.
 */
export function retentionCountParam(values: Map<string, string>, name: string): number | undefined {
  const raw = values.get(name);
  if (raw === undefined) return undefined;
  const text = raw.trim().toLowerCase();
  if (text === 'unlimited') return Infinity;
  if (text === '') return 0;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw badQuery(`${name} ${quote(raw)} is not a whole number of snapshots or "unlimited"`, `for example ${name}=3 (0 turns the rule off)`);
  }
  return n;
}

/** keep-within: a duration such as 30d or 1y2m (m = months); "" turns the rule off. */
export function durationParam(values: Map<string, string>, name: string): string | undefined {
  const raw = values.get(name);
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text !== '' && !parseDuration(text)) {
    throw badQuery(`${name} ${quote(raw)} is not a duration`, `use numbers with units y (years), m (months), w (weeks), d (days), h (hours), each unit once, e.g. ${name}=30d; empty turns the rule off`);
  }
  return text;
}

/** An IANA time zone this system knows. */
export function timeZoneParam(values: Map<string, string>, name: string): string | undefined {
  const raw = values.get(name);
  if (raw === undefined) return undefined;
  if (!isValidTimeZone(raw.trim())) {
    throw badQuery(`${name} ${quote(raw)} is not a time zone this system knows`, `use an IANA name such as UTC or Europe/Berlin, e.g. ${name}=Europe/Berlin`);
  }
  return raw.trim();
}
