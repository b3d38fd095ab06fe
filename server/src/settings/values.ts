/**
 * Value parsers for the bridge's settings. Each takes what the Mattermost config holds (a JSON value: the
 * System Console stores text as strings, bools as booleans, numbers as numbers) or an MMBACKUP_* variable's
 * text, and returns the typed value or throws SettingValueError with a message for the admin. Messages may
 * quote the value, except for settings marked secret-bearing (their parser never quotes).
 */
import { ALL_COMPONENTS, type ComponentName } from '../repository/snapshots';
import { isValidTimeZone } from '../retention/calendar';
import { retentionPolicyFrom } from '../retention/options';
import type { RetentionPolicy } from '../retention/policy';
import { validateCron } from '../schedule/cron';

export class SettingValueError extends Error {}

export type Parser<T> = (raw: unknown) => T;

function text(raw: unknown, what: string): string {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw new SettingValueError(`expected ${what}, found ${Array.isArray(raw) ? 'a list' : typeof raw}`);
}

/** Any text. */
export const plainText: Parser<string> = (raw) => text(raw, 'text');

/** A cron expression node-cron and our calculator both accept; `optional` allows "" (= no schedule). */
export function cronExpression(optional = false): Parser<string> {
  return (raw) => {
    const expr = text(raw, 'a cron expression');
    if (expr === '' && optional) return '';
    const problem = validateCron(expr);
    if (problem) throw new SettingValueError(`${problem}; for example "0 3 * * *" (every day at 03:00)`);
    return expr;
  };
}

export const timeZone: Parser<string> = (raw) => {
  const zone = text(raw, 'a time zone');
  if (!isValidTimeZone(zone)) throw new SettingValueError(`"${zone}" is not a time zone this system knows; use an IANA name such as UTC or Europe/Berlin`);
  return zone;
};

/** "db,config,files" (commas or spaces), or a JSON list; kept in canonical order. */
export const components: Parser<ComponentName[]> = (raw) => {
  const items = Array.isArray(raw) ? raw.map((r) => text(r, 'a component')) : text(raw, 'a list of components').split(/[\s,]+/);
  const names = items.map((i) => i.toLowerCase()).filter(Boolean);
  const unknown = names.filter((n) => !(ALL_COMPONENTS as string[]).includes(n));
  if (unknown.length) throw new SettingValueError(`unknown component "${unknown[0]}"; use any of ${ALL_COMPONENTS.join(', ')}`);
  if (!names.length) throw new SettingValueError(`no component given; use any of ${ALL_COMPONENTS.join(', ')}`);
  return ALL_COMPONENTS.filter((c) => names.includes(c));
};

type CountRule = 'last' | 'daily' | 'weekly' | 'monthly' | 'yearly';

/**
 * A retention count, parsed by the CLI's own MMBACKUP_KEEP_* rules (../retention/options.ts) so that the
 * bridge and `mmbackup prune` read the same text the same way: a whole number (0 = rule off) or "unlimited".
 */
export function retentionCount(rule: CountRule, envName: string): Parser<number> {
  return (raw) => {
    const given = typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 ? String(raw) : text(raw, 'a number');
    return parseRetention(envName, given)[rule] ?? 0;
  };
}

/** keep-within: a duration such as 30d or 1y2m (m = months); "" = rule off. Kept as text: the policy parses it again. */
export function retentionWithin(envName: string): Parser<string> {
  return (raw) => {
    const given = text(raw, 'a duration');
    if (given === '') return '';
    parseRetention(envName, given);
    return given;
  };
}

function parseRetention(envName: string, value: string): RetentionPolicy {
  try {
    return retentionPolicyFrom({}, { [envName]: value });
  } catch (err) {
    // The CLI's message starts with the variable's name; the caller names the setting itself.
    throw new SettingValueError((err as Error).message.replace(`${envName} `, ''));
  }
}

/** A number greater than zero (hours may be fractional). */
export const positiveNumber: Parser<number> = (raw) => {
  const value = typeof raw === 'number' ? raw : Number(text(raw, 'a number'));
  if (!Number.isFinite(value) || value <= 0 || (typeof raw !== 'number' && text(raw, 'a number') === '')) {
    throw new SettingValueError(`"${String(raw)}" is not a number greater than 0`);
  }
  return value;
};

/** JSON booleans, or the texts Go's strconv.ParseBool takes (Mattermost's own MM_* rules). */
export const bool: Parser<boolean> = (raw) => {
  if (typeof raw === 'boolean') return raw;
  const value = text(raw, 'true or false');
  if (['1', 't', 'true'].includes(value.toLowerCase())) return true;
  if (['0', 'f', 'false'].includes(value.toLowerCase())) return false;
  throw new SettingValueError(`"${value}" is not true or false`);
};

/**
 * A team or channel as it appears in URLs (/<team>/channels/<channel>), lower-cased; "" = not set. Whether
 * it exists is checked by the alerting code against the server, not here.
 */
export const urlName: Parser<string> = (raw) => {
  const name = text(raw, 'a name').toLowerCase();
  if (name !== '' && !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) {
    throw new SettingValueError(`"${name}" is not a team or channel name as in its URL (lower-case letters, digits, - and _), e.g. "ops" from /myteam/channels/ops`);
  }
  return name;
};

/** An http(s) URL, or "". Secret-bearing (heartbeat URLs embed a token): never quoted in a message. */
export const httpUrl: Parser<string> = (raw) => {
  const value = text(raw, 'a URL');
  if (value === '') return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingValueError('is not a URL; give the full address, e.g. https://hc-ping.com/<uuid>');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SettingValueError(`must be an http:// or https:// URL, not ${url.protocol}`);
  return value;
};

/** Where the plugin reaches the bridge: an http:// URL (loopback by default) or unix:/absolute/socket/path. */
export const bridgeUrl: Parser<string> = (raw) => {
  const value = text(raw, 'a URL');
  if (/^unix:\/[^\0]*$/.test(value)) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingValueError(`"${value}" is not a URL: use e.g. http://127.0.0.1:8066 or unix:/run/mmbackup/bridge.sock`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SettingValueError(`must be http://host:port or unix:/path, not ${url.protocol}`);
  return value;
};

/** Any non-empty text (repository locations are checked when opened). Secret-bearing: never quoted. */
export const secretText: Parser<string> = (raw) => text(raw, 'text');
