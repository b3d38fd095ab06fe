/**
 * The bridge's effective settings: the plugin's section of the Mattermost config the installation was
 * loaded from (file or database, MM_* overrides applied), then MMBACKUP_* overrides, each value checked.
 * A bad value never stops the bridge: it is reported and the last valid value (or the default) stays.
 */
import { redact } from '../common/redact';
import type { MattermostInstallation } from '../mattermost/types';
import type { RetentionPolicy } from '../retention/policy';
import { parseDuration } from '../retention/duration';
import { defaultSettings, SETTINGS, type SettingSpec, type Settings } from './schema';
import { SettingValueError } from './values';

export const PLUGIN_ID = 'backup-dr';

/** One setting that could not be used; `message` is redacted and names where the value came from. */
export interface SettingProblem {
  /** The plugin setting key, e.g. "BackupSchedule". */
  key: string;
  message: string;
}

export interface LoadedSettings {
  effective: Settings;
  /** Keys forced by MMBACKUP_* variables (read-only in the System Console). */
  locked: string[];
  problems: SettingProblem[];
}

export interface LoadSettingsOptions {
  installation: Pick<MattermostInstallation, 'config'>;
  /** The bridge's environment (MMBACKUP_* overrides). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** The settings in force so far: an invalid value keeps the previous one instead of the default. */
  previous?: Settings;
}

/** PluginSettings.Plugins["backup-dr"] of the effective config; {} when absent. */
export function pluginSection(config: Record<string, any>): Record<string, unknown> {
  const section = config?.PluginSettings?.Plugins?.[PLUGIN_ID];
  return typeof section === 'object' && section !== null && !Array.isArray(section) ? section : {};
}

/** The section's value for `key`, matched case-insensitively; the lower-case key wins when both exist. */
function configValue(section: Record<string, unknown>, key: string): unknown {
  const lower = key.toLowerCase();
  if (section[lower] !== undefined) return section[lower];
  const match = Object.keys(section).find((k) => k.toLowerCase() === lower);
  return match === undefined ? undefined : section[match];
}

type Resolved = { value: unknown } | { problem: string };

function parseWith(spec: SettingSpec, raw: unknown, where: string): Resolved {
  try {
    return { value: spec.parse(raw) };
  } catch (err) {
    if (!(err instanceof SettingValueError)) throw err;
    return { problem: `${where}: ${err.message}` };
  }
}

/** The value for one setting from env or config, or a problem; locks are recorded in `locked`. */
function resolveOne(spec: SettingSpec, section: Record<string, unknown>, env: NodeJS.ProcessEnv, locked: string[]): Resolved | undefined {
  const fromEnv = env[spec.env];
  const inConfig = configValue(section, spec.key);
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    locked.push(spec.key);
    return parseWith(spec, fromEnv, spec.env);
  }
  if (spec.envOnly) {
    if (inConfig !== undefined && inConfig !== '') {
      return { problem: `${spec.key} in the plugin settings is ignored: it is read only from ${spec.env} in the bridge's environment file, because it can carry credentials; remove it from Mattermost's config` };
    }
    return undefined;
  }
  // Absent, null (Mattermost's "unset") or empty text: the default. Empty lists and "" for optional
  // settings are values, handled by the parser.
  if (inConfig === undefined || inConfig === null || (inConfig === '' && spec.default !== '')) return undefined;
  return parseWith(spec, inConfig, `${spec.key} in the plugin settings`);
}

interface CrossProblem {
  /** The setting the admin has to fix. */
  name: keyof Settings;
  message: string;
  /** Values that take effect instead, so that half a configuration is never acted on. */
  reset: Partial<Settings>;
}

/** Checks between settings. */
function crossProblems(s: Settings): CrossProblem[] {
  const out: CrossProblem[] = [];
  if (s.offsiteCopy && !s.offsiteRepo) {
    out.push({ name: 'offsiteCopy', reset: { offsiteCopy: false }, message: 'OffsiteCopy is on but MMBACKUP_OFFSITE_REPO is not set in the bridge\'s environment file; no off-site copy is made until it is' });
  }
  if (Boolean(s.opsTeam) !== Boolean(s.opsChannel)) {
    out.push({ name: s.opsTeam ? 'opsChannel' : 'opsTeam', reset: { opsTeam: '', opsChannel: '' }, message: 'OpsTeam and OpsChannel must be set together; alerts go to no channel until both are' });
  }
  return out;
}

/**
 * Computes the effective settings. Never throws for a bad value: each is reported in `problems` and the
 * setting keeps `previous`'s value, else its default. Every problem message is redacted, and secret
 * settings' values are never quoted.
 */
export function loadSettings(options: LoadSettingsOptions): LoadedSettings {
  const env = options.env ?? process.env;
  const section = pluginSection(options.installation.config);
  const fallback = options.previous ?? defaultSettings();
  const effective = defaultSettings() as unknown as Record<string, unknown>;
  const locked: string[] = [];
  const problems: SettingProblem[] = [];
  for (const spec of SETTINGS) {
    const resolved = resolveOne(spec, section, env, locked);
    if (!resolved) continue;
    if ('value' in resolved) effective[spec.name] = resolved.value;
    else {
      effective[spec.name] = structuredClone(fallback[spec.name]);
      problems.push({ key: spec.key, message: redact(resolved.problem) });
    }
  }
  const settings = effective as unknown as Settings;
  for (const { name, message, reset } of crossProblems(settings)) {
    Object.assign(settings, reset);
    problems.push({ key: SETTINGS.find((s) => s.name === name)!.key, message });
  }
  return { effective: settings, locked, problems };
}

/** The retention policy the settings describe (zone included), for prune. */
export function retentionPolicyOf(s: Settings): RetentionPolicy {
  const policy: RetentionPolicy = { timeZone: s.timeZone };
  const counts = { last: s.keepLast, daily: s.keepDaily, weekly: s.keepWeekly, monthly: s.keepMonthly, yearly: s.keepYearly } as const;
  for (const [rule, n] of Object.entries(counts)) if (n > 0) policy[rule as keyof typeof counts] = n;
  const within = s.keepWithin ? parseDuration(s.keepWithin) : undefined;
  if (within) policy.within = within;
  return policy;
}

/**
 * The settings as JSON for comparison and for the API: Infinity (unlimited) as "unlimited", secret values
 * replaced by whether they are set.
 */
export function settingsForDisplay(s: Settings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const value = s[spec.name];
    if (spec.secret) out[spec.name] = value ? { set: true } : { set: false };
    else out[spec.name] = value === Infinity ? 'unlimited' : value;
  }
  return out;
}
