/**
 * The System Console side of ./schema.ts: plugin.json's settings_schema.sections. Each setting of SETTINGS
 * with a console entry appears in exactly one section, beside the custom settings the webapp renders (the
 * status, history, previews and destinations pages). plugin.json is the lead's file; ./plugin-settings.json
 * holds the sections array to paste into it, and the tests check that both agree with SETTINGS.
 *
 * Sections "status", "history" and "destinations" are `custom`: the webapp lays them out where the server
 * has registerAdminConsoleCustomSection, and `fallback` lets servers render them plainly otherwise.
 */
import { SETTINGS, type ConsoleSetting } from './schema';

/** A setting only the webapp renders (type "custom"): it shows a page and stores no value. */
export interface ConsoleCustomSetting {
  key: string;
  display_name: string;
  type: 'custom';
  help_text: string;
}

/** One entry of settings_schema.sections, as Mattermost's PluginSettingsSection reads it. */
export interface ConsoleSection {
  key: string;
  title: string;
  subtitle: string;
  settings: Array<ConsoleSetting | ConsoleCustomSetting>;
  custom?: boolean;
  fallback?: boolean;
}

const PAGES: ConsoleCustomSetting[] = [
  { key: 'BackupStatus', display_name: 'Backup status:', type: 'custom', help_text: 'Health of the backups, the running job with its live log, and backups on demand. Needs the mmbackup bridge running on this server (section Bridge).' },
  { key: 'BackupHistory', display_name: 'Backup history:', type: 'custom', help_text: 'Every snapshot with its size, duration, verification and restore drill, and the restore commands to copy.' },
  { key: 'SchedulePreview', display_name: 'Schedule preview:', type: 'custom', help_text: 'The schedules above in words, with their next runs in the time zone above, as the bridge will run them.' },
  { key: 'RetentionPreview', display_name: 'Retention preview:', type: 'custom', help_text: 'What the retention rules above would keep of the snapshots in the repository now. Nothing is removed until the next prune.' },
  { key: 'Destinations', display_name: 'Destinations:', type: 'custom', help_text: "Where the backups are stored (set in the bridge's environment file) and the fingerprint of the encryption key." },
];

/** The console's layout: sections in page order, each with its setting keys in order. */
export const CONSOLE_LAYOUT: Array<Omit<ConsoleSection, 'settings'> & { settings: string[] }> = [
  {
    key: 'status', title: 'Status', custom: true, fallback: true,
    subtitle: 'Health of the backups at a glance, the running job with its live log, and backups on demand.',
    settings: ['BackupStatus'],
  },
  {
    key: 'history', title: 'History', custom: true, fallback: true,
    subtitle: 'Every snapshot in the repository, with its verification, restore drill and restore commands.',
    settings: ['BackupHistory'],
  },
  {
    key: 'schedule', title: 'Schedule and retention',
    subtitle: 'When backups, restore drills and pruning run, what backups capture, and which snapshots pruning keeps.',
    settings: ['BackupSchedule', 'TimeZone', 'DrillSchedule', 'PruneSchedule', 'SchedulePreview', 'Components',
      'KeepLast', 'KeepDaily', 'KeepWeekly', 'KeepMonthly', 'KeepYearly', 'KeepWithin', 'RetentionPreview'],
  },
  {
    key: 'destinations', title: 'Destinations', custom: true, fallback: true,
    subtitle: 'Where the backups are stored, and the encryption key that opens them.',
    settings: ['Destinations', 'OffsiteCopy'],
  },
  {
    key: 'alerts', title: 'Alerts',
    subtitle: 'Who hears about failed and overdue backups, and an outside monitor for when Mattermost itself is down.',
    settings: ['OpsTeam', 'OpsChannel', 'RpoHours', 'HeartbeatUrl'],
  },
  {
    key: 'bridge', title: 'Bridge',
    subtitle: 'How the plugin reaches the mmbackup bridge on each Mattermost server. Nothing to set on a single host.',
    settings: ['BridgeUrl', 'BridgeSecret'],
  },
];

/** Console setting objects in SETTINGS order; environment-only settings have none. */
export function pluginSettingsSchema(): ConsoleSetting[] {
  return SETTINGS.filter((s) => s.console).map((s) => {
    const dflt = Array.isArray(s.default) ? s.default.join(',') : s.default;
    return { key: s.key, display_name: s.console!.display_name, type: s.console!.type, help_text: s.console!.help_text, default: dflt as string | number | boolean, ...(s.secret ? { secret: true } : {}), ...(s.console!.options ? { options: s.console!.options } : {}) };
  });
}

/** settings_schema.sections: CONSOLE_LAYOUT with each key replaced by its setting object. */
export function pluginSettingsSections(): ConsoleSection[] {
  const byKey = new Map<string, ConsoleSetting | ConsoleCustomSetting>([...pluginSettingsSchema(), ...PAGES].map((s) => [s.key, s]));
  return CONSOLE_LAYOUT.map(({ key, title, subtitle, custom, fallback, settings }) => ({
    key, title, subtitle,
    ...(custom ? { custom, fallback } : {}),
    settings: settings.map((key) => {
      const setting = byKey.get(key);
      if (!setting) throw new Error(`CONSOLE_LAYOUT names "${key}", which is neither a console setting of SETTINGS nor a page`);
      return setting;
    }),
  }));
}
