/**
 * The retention policy as an admin gives it: --keep-* options, or MMBACKUP_KEEP_* environment variables
 * (for cron jobs and the bridge's service file). An option wins over its own variable; different rules
 * from the two sources combine (OR) like any rules, and prune prints the effective policy. A bad value
 * is a usage error (exit code 2) that names the option or variable and shows an example.
 */
import { ExitCode, MmBackupError } from '../common/errors';
import { isValidTimeZone } from './calendar';
import { parseDuration, type RetentionDuration } from './duration';
import type { RetentionPolicy } from './policy';

/** Raw values as commander hands them over (camelCase of the flags). */
export interface RetentionOptionValues {
  keepLast?: string;
  keepHourly?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
  keepYearly?: string;
  keepWithin?: string;
  keepTag?: string[];
  timeZone?: string;
}

type CountKey = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

interface OptionSpec {
  flags: string;
  description: string;
  env: string;
}

const COUNT_OPTIONS: Record<CountKey, OptionSpec & { value: keyof RetentionOptionValues; example: string }> = {
  last: { flags: '--keep-last <n>', value: 'keepLast', env: 'MMBACKUP_KEEP_LAST', example: '3', description: 'keep the n newest snapshots' },
  hourly: { flags: '--keep-hourly <n>', value: 'keepHourly', env: 'MMBACKUP_KEEP_HOURLY', example: '24', description: 'keep the newest snapshot of each of the last n hours that have one' },
  daily: { flags: '--keep-daily <n>', value: 'keepDaily', env: 'MMBACKUP_KEEP_DAILY', example: '7', description: 'keep the newest snapshot of each of the last n days that have one' },
  weekly: { flags: '--keep-weekly <n>', value: 'keepWeekly', env: 'MMBACKUP_KEEP_WEEKLY', example: '4', description: 'keep the newest snapshot of each of the last n weeks (Monday-Sunday) that have one' },
  monthly: { flags: '--keep-monthly <n>', value: 'keepMonthly', env: 'MMBACKUP_KEEP_MONTHLY', example: '12', description: 'keep the newest snapshot of each of the last n months that have one' },
  yearly: { flags: '--keep-yearly <n>', value: 'keepYearly', env: 'MMBACKUP_KEEP_YEARLY', example: '5', description: 'keep the newest snapshot of each of the last n years that have one' },
};

const WITHIN: OptionSpec = { flags: '--keep-within <duration>', env: 'MMBACKUP_KEEP_WITHIN', description: 'keep every snapshot within this long before the newest: e.g. 30d, 2w, 1y2m, 12h (m = months)' };
const TAG: OptionSpec = { flags: '--keep-tag <tag>', env: 'MMBACKUP_KEEP_TAG', description: 'keep every snapshot with this tag (repeatable; the variable takes a comma-separated list)' };
const ZONE: OptionSpec = { flags: '--time-zone <iana>', env: 'MMBACKUP_TIME_ZONE', description: 'time zone whose calendar defines hours, days, weeks, months and years (default UTC)' };

/** Every retention option, for the CLI to declare; `repeatable` options collect into an array. */
export const RETENTION_OPTIONS: Array<OptionSpec & { repeatable?: boolean }> = [...Object.values(COUNT_OPTIONS), WITHIN, { ...TAG, repeatable: true }, ZONE];

function badValue(source: string, value: string, expected: string, example: string): MmBackupError {
  return new MmBackupError({
    step: 'options',
    code: 'BAD_RETENTION_OPTION',
    message: `${source} "${value}" is not ${expected}`,
    fix: `for example ${example}`,
    exitCode: ExitCode.usage,
  });
}

/** Where a value came from, worded for the error: the option, or the variable when no option was given. */
function pick(optionValue: string | undefined, spec: OptionSpec, env: NodeJS.ProcessEnv): { value: string; source: string; option: boolean } | undefined {
  if (optionValue !== undefined) return { value: optionValue, source: spec.flags.split(' ')[0], option: true };
  const fromEnv = env[spec.env];
  if (fromEnv === undefined || fromEnv.trim() === '') return undefined;
  return { value: fromEnv, source: spec.env, option: false };
}

function example(given: { source: string; option: boolean }, value: string): string {
  return given.option ? `${given.source} ${value}` : `${given.source}=${value}`;
}

function parseCount(key: CountKey, values: RetentionOptionValues, env: NodeJS.ProcessEnv): number | undefined {
  const spec = COUNT_OPTIONS[key];
  const given = pick(values[spec.value] as string | undefined, spec, env);
  if (!given) return undefined;
  const text = given.value.trim().toLowerCase();
  if (text === 'unlimited') return Infinity;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw badValue(given.source, given.value, 'a whole number of snapshots (0 = rule off) or "unlimited"', example(given, spec.example));
  }
  return Number(text);
}

function parseWithin(values: RetentionOptionValues, env: NodeJS.ProcessEnv): RetentionDuration | undefined {
  const given = pick(values.keepWithin, WITHIN, env);
  if (!given) return undefined;
  const duration = parseDuration(given.value);
  if (!duration) throw badValue(given.source, given.value, 'a duration: numbers with units y (years), m (months), w (weeks), d (days), h (hours), each unit once', example(given, '30d'));
  return duration;
}

function parseTags(values: RetentionOptionValues, env: NodeJS.ProcessEnv): string[] | undefined {
  const raw = values.keepTag ?? pick(undefined, TAG, env)?.value.split(',');
  const tags = raw?.map((t) => t.trim()).filter(Boolean);
  if (values.keepTag && tags!.length < values.keepTag.length) throw badValue('--keep-tag', '', 'a tag', '--keep-tag before-upgrade');
  return tags?.length ? tags : undefined;
}

function parseZone(values: RetentionOptionValues, env: NodeJS.ProcessEnv): string | undefined {
  const given = pick(values.timeZone, ZONE, env);
  if (!given) return undefined;
  const zone = given.value.trim();
  if (!isValidTimeZone(zone)) throw badValue(given.source, given.value, 'a time zone this system knows (IANA name)', example(given, 'Europe/Berlin'));
  return zone;
}

/** The effective policy; rules absent from both options and environment are left out. */
export function retentionPolicyFrom(values: RetentionOptionValues, env: NodeJS.ProcessEnv = process.env): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const key of Object.keys(COUNT_OPTIONS) as CountKey[]) {
    const count = parseCount(key, values, env);
    if (count !== undefined) policy[key] = count;
  }
  const within = parseWithin(values, env);
  if (within) policy.within = within;
  const tags = parseTags(values, env);
  if (tags) policy.tags = tags;
  const zone = parseZone(values, env);
  if (zone) policy.timeZone = zone;
  return policy;
}
