// The bridge's settings as the System Console edits them: key, input kind and default, as plugin.json declares
// them (a test checks that they agree). Mattermost passes a custom setting no default, so the inputs need it.

export type SettingKind = 'text' | 'number' | 'bool' | 'generated';

export type SettingEntry = {key: string; kind: SettingKind; default: string | number | boolean};

export const BRIDGE_SETTINGS: SettingEntry[] = [
    {key: 'BackupSchedule', kind: 'text', default: '0 3 * * *'},
    {key: 'TimeZone', kind: 'text', default: 'UTC'},
    {key: 'Components', kind: 'text', default: 'db,config,files'},
    {key: 'KeepLast', kind: 'number', default: 3},
    {key: 'KeepDaily', kind: 'number', default: 7},
    {key: 'KeepWeekly', kind: 'number', default: 4},
    {key: 'KeepMonthly', kind: 'number', default: 12},
    {key: 'KeepYearly', kind: 'number', default: 0},
    {key: 'KeepWithin', kind: 'text', default: ''},
    {key: 'DrillSchedule', kind: 'text', default: '0 4 * * 0'},
    {key: 'PruneSchedule', kind: 'text', default: ''},
    {key: 'RpoHours', kind: 'number', default: 26},
    {key: 'OpsTeam', kind: 'text', default: ''},
    {key: 'OpsChannel', kind: 'text', default: ''},
    {key: 'OffsiteCopy', kind: 'bool', default: false},
    {key: 'HeartbeatUrl', kind: 'text', default: ''},
    {key: 'BridgeUrl', kind: 'text', default: 'http://127.0.0.1:8066'},

    // Mattermost renders and regenerates it itself: this plugin registers no component for it.
    {key: 'BridgeSecret', kind: 'generated', default: ''},
];

/** Custom settings that show a page rather than edit a value, and the sections they head. */
export const PAGE_SETTINGS = ['BackupStatus', 'BackupHistory', 'SchedulePreview', 'RetentionPreview', 'Destinations'] as const;

/** Sections whose layout this plugin renders itself where the server supports it (settings_schema `custom`). */
export const CUSTOM_SECTIONS: Array<{key: string; title: string; subtitle: string}> = [
    {key: 'status', title: 'Status', subtitle: 'Health of the backups at a glance, the running job with its live log, and backups on demand.'},
    {key: 'history', title: 'History', subtitle: 'Every snapshot in the repository, with its verification, restore drill and restore commands.'},
    {key: 'destinations', title: 'Destinations', subtitle: 'Where the backups are stored, and the encryption key that opens them.'},
];
