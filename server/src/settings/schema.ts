/**
 * The bridge's settings, declared once: key, type, default, parser and System Console text. Everything
 * else derives from this list: loadSettings() (./load.ts), the MMBACKUP_* override names, and the
 * plugin.json settings_schema sections (./plugin-schema.ts, which also places each setting in its section).
 *
 * Where values come from, strongest first:
 * 1. MMBACKUP_<KEY> in the bridge's environment (BackupSchedule → MMBACKUP_BACKUP_SCHEDULE); the setting is
 *    then "locked" and the System Console shows it read-only. The retention names equal the CLI's
 *    (MMBACKUP_KEEP_DAILY, MMBACKUP_TIME_ZONE), so one environment file serves `mmbackup prune` and the bridge.
 * 2. The plugin's section of Mattermost's config, PluginSettings.Plugins["backup-dr"]. Mattermost treats
 *    plugin setting keys case-insensitively: older servers (viper, and System Consoles before 2024) store
 *    them lower-cased ("backupschedule"), newer ones as declared ("BackupSchedule"); both are read.
 * 3. The default below.
 *
 * OffsiteRepo is environment-only: a repository location can carry credentials (s3://key:secret@...),
 * and backup credentials are kept apart from the system they protect (DESIGN section 2). It has no
 * System Console entry; the console shows only whether it is set.
 */
import type { ComponentName } from '../repository/snapshots';
import * as v from './values';

/** The effective settings the bridge runs with. */
export interface Settings {
  /** Where the reverse proxy serves the bridge on Mattermost's origin (the webapp reads it too). */
  bridgePath: string;
  /** Cron expression for scheduled backups. */
  backupSchedule: string;
  /** IANA zone for all schedules and for retention's calendar buckets. */
  timeZone: string;
  components: ComponentName[];
  /** Retention counts: 0 = rule off, Infinity = unlimited (MMBACKUP_KEEP_*=unlimited). */
  keepLast: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
  keepYearly: number;
  /** A duration such as "30d"; "" = rule off. */
  keepWithin: string;
  /** Cron expression for restore drills (verify --drill). */
  drillSchedule: string;
  /** Cron expression for pruning; "" = prune after each successful backup (and off-site copy). */
  pruneSchedule: string;
  /** Alert when no backup succeeded for this many hours. */
  rpoHours: number;
  /** Team and channel (URL names) for alerts; both "" = no channel alerts. */
  opsTeam: string;
  opsChannel: string;
  /** Copy each new snapshot to the off-site repository (MMBACKUP_OFFSITE_REPO) before pruning. */
  offsiteCopy: boolean;
  /** Off-site repository location; environment only, secret-bearing: pass through redact() before showing. */
  offsiteRepo: string;
  /** Pinged on start, success and failure; secret-bearing (the URL is the token). */
  heartbeatUrl: string;
}

export type SettingName = keyof Settings;

/** A System Console setting as plugin.json declares it inside one of settings_schema.sections. */
export interface ConsoleSetting {
  key: string;
  display_name: string;
  type: 'text' | 'bool' | 'number' | 'dropdown';
  help_text: string;
  placeholder?: string;
  /** Obfuscated in the System Console and the Support Packet (Mattermost 10.2+; older servers ignore it). */
  secret?: boolean;
  default: string | number | boolean;
  options?: Array<{ display_name: string; value: string }>;
}

export interface SettingSpec<N extends SettingName = SettingName> {
  name: N;
  /** The plugin setting key as declared in plugin.json (Mattermost stores it lower-cased). */
  key: string;
  /** The overriding environment variable. */
  env: string;
  default: Settings[N];
  parse: v.Parser<Settings[N]>;
  /** The value must never appear in messages, logs or API output without redact(). */
  secret?: boolean;
  /** Read from the environment only; a value in Mattermost's config is ignored and reported. */
  envOnly?: boolean;
  /** System Console text (absent for envOnly settings); key, type and default are filled in from the spec. */
  console?: Omit<ConsoleSetting, 'key' | 'default'>;
}

/** MMBACKUP_ + the key in upper snake case: KeepDaily → MMBACKUP_KEEP_DAILY. */
export function envNameOf(key: string): string {
  return `MMBACKUP_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

function spec<N extends SettingName>(name: N, rest: Omit<SettingSpec<N>, 'name' | 'key' | 'env'>): SettingSpec<N> {
  const key = name.charAt(0).toUpperCase() + name.slice(1);
  return { name, key, env: envNameOf(key), ...rest };
}

const CRON_HELP = 'Cron expression: minute hour day-of-month month day-of-week, e.g. "0 3 * * *" for every day at 03:00.';

function keep(name: 'keepLast' | 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'keepYearly', dflt: number, label: string, help: string): SettingSpec {
  const rule = name.slice(4).toLowerCase() as 'last' | 'daily' | 'weekly' | 'monthly' | 'yearly';
  return spec(name, {
    default: dflt,
    parse: v.retentionCount(rule, envNameOf(name.charAt(0).toUpperCase() + name.slice(1))),
    console: { display_name: `${label}:`, type: 'number', help_text: `${help} 0 turns the rule off.` },
  }) as SettingSpec;
}

/** Every setting, in System Console order. */
export const SETTINGS: SettingSpec[] = [
  spec('bridgePath', { default: '/backup-dr/', parse: v.originPath, console: { display_name: 'Bridge path:', type: 'text', help_text: 'Same-origin path where your reverse proxy serves the mmbackup bridge.' } }),
  spec('backupSchedule', { default: '0 3 * * *', parse: v.cronExpression(), console: { display_name: 'Backup schedule:', type: 'text', help_text: `When to back up. ${CRON_HELP}` } }),
  spec('timeZone', { default: 'UTC', parse: v.timeZone, console: { display_name: 'Time zone:', type: 'text', help_text: 'IANA time zone of the schedules and of the retention calendar (days, weeks, months), e.g. UTC or Europe/Berlin.' } }),
  spec('components', { default: ['db', 'config', 'files'], parse: v.components, console: { display_name: 'Components:', type: 'text', help_text: 'What scheduled backups capture: any of db, config, files, separated by commas.' } }) as SettingSpec,
  keep('keepLast', 3, 'Keep last', 'Keep this many newest snapshots.'),
  keep('keepDaily', 7, 'Keep daily', 'Keep the newest snapshot of each of this many days.'),
  keep('keepWeekly', 4, 'Keep weekly', 'Keep the newest snapshot of each of this many weeks (Monday to Sunday).'),
  keep('keepMonthly', 12, 'Keep monthly', 'Keep the newest snapshot of each of this many months.'),
  keep('keepYearly', 0, 'Keep yearly', 'Keep the newest snapshot of each of this many years.'),
  spec('keepWithin', { default: '', parse: v.retentionWithin('MMBACKUP_KEEP_WITHIN'), console: { display_name: 'Keep within:', type: 'text', help_text: 'Keep every snapshot taken within this long before the newest, e.g. 30d, 2w, 1y (m = months). Empty turns the rule off.' } }),
  spec('drillSchedule', { default: '0 4 * * 0', parse: v.cronExpression(), console: { display_name: 'Restore drill schedule:', type: 'text', help_text: `When to restore the newest backup into a scratch database and check it. ${CRON_HELP}` } }),
  spec('pruneSchedule', { default: '', parse: v.cronExpression(true), console: { display_name: 'Prune schedule:', type: 'text', help_text: `When to apply the retention policy. Empty: after each successful backup. ${CRON_HELP}` } }),
  spec('rpoHours', { default: 26, parse: v.positiveNumber, console: { display_name: 'Alert when no backup for (hours):', type: 'number', help_text: 'Recovery point objective: alert when the newest successful backup is older than this many hours.' } }),
  spec('opsTeam', { default: '', parse: v.urlName, console: { display_name: 'Alert team:', type: 'text', help_text: 'Team of the alert channel, as in its URL (/<team>/channels/<channel>).' } }),
  spec('opsChannel', { default: '', parse: v.urlName, console: { display_name: 'Alert channel:', type: 'text', help_text: 'Channel for backup alerts, as in its URL; the bot joins it.' } }),
  spec('offsiteCopy', { default: false, parse: v.bool, console: { display_name: 'Off-site copy:', type: 'bool', help_text: 'Copy each new backup to the off-site repository set in the bridge\'s environment (MMBACKUP_OFFSITE_REPO).' } }),
  spec('offsiteRepo', { default: '', parse: v.secretText, secret: true, envOnly: true }),
  spec('heartbeatUrl', { default: '', parse: v.httpUrl, secret: true, console: { display_name: 'Heartbeat URL:', type: 'text', help_text: 'Optional external monitor pinged on start, success and failure (e.g. healthchecks.io), so silence is noticed even when Mattermost is down.' } }),
];

/** The defaults, as effective settings. */
export function defaultSettings(): Settings {
  return Object.fromEntries(SETTINGS.map((s) => [s.name, structuredClone(s.default)])) as unknown as Settings;
}
