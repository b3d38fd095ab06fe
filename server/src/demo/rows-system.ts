/**
 * The small tables around the content: preferences, sessions, Systems (with the Mattermost version the
 * manifest records), db_migrations (the schema version), the database config store (Configurations,
 * ConfigurationFiles, used when MM_CONFIG is a DSN), plugin key-value rows with binary values, jobs, and the
 * serial EventLog.
 */
import { Rng } from './random';
import type { Row } from './row-writer';
import { type DemoDirectory, DAY_MS, EPOCH_MS } from './rows-people';

/** Systems.Version of the generated installation. */
export const MATTERMOST_VERSION = '10.11.0';
/** max(db_migrations.Version) of the generated installation. */
export const SCHEMA_VERSION = 148;

/** Rows deleted from EventLog after loading, leaving gaps and a sequence ahead of max(Seq). */
export const EVENTLOG_DELETED = [3, 4, 10, 40];

const MIGRATION_NAMES = [
  'create_teams', 'create_team_members', 'create_cluster_discovery', 'create_command_webhooks', 'create_compliances',
  'create_emojis', 'create_user_groups', 'create_group_members', 'create_group_teams', 'create_group_channels',
  'create_link_metadata', 'create_commands', 'create_incoming_webhooks', 'create_outgoing_webhooks', 'create_systems',
  'create_reactions', 'create_roles', 'create_schemes', 'create_licenses', 'create_posts', 'create_product_notice_view_state',
  'create_sessions', 'create_terms_of_service', 'create_audits', 'create_oauth_access_data', 'create_preferences',
  'create_status', 'create_tokens', 'create_bots', 'create_user_access_tokens', 'create_remote_clusters', 'create_sharedchannels',
  'create_sidebar_channels', 'create_oauthauthdata', 'create_sharedchannelattachments', 'create_sharedchannelusers',
  'create_sharedchannelremotes', 'create_jobs', 'create_channel_member_history', 'create_sidebar_categories',
  'create_upload_sessions', 'create_threads', 'thread_memberships', 'create_user_terms_of_service', 'create_plugin_key_value_store',
  'create_users', 'create_file_info', 'create_oauth_apps', 'create_channels', 'create_channelmembers',
];

/** Version 1..SCHEMA_VERSION, the first ones named like Mattermost's real migrations. */
function migrationRows(): Row[] {
  return Array.from({ length: SCHEMA_VERSION }, (_, i) => ({
    Version: i + 1,
    Name: MIGRATION_NAMES[i] ?? `upgrade_schema_step_${String(i + 1).padStart(3, '0')}`,
  }));
}

function systemRows(rng: Rng): Row[] {
  const values: Record<string, string> = {
    Version: MATTERMOST_VERSION,
    AdvancedPermissionsMigrationComplete: 'true',
    AsymmetricSigningKey: JSON.stringify({ ecdsa_key: { curve: 'P-256', x: rng.token(40), y: rng.token(40), d: rng.token(40) } }),
    DiagnosticId: rng.id(),
    FirstServerRunTimestamp: String(EPOCH_MS - 90 * DAY_MS),
    InstallationDate: String(EPOCH_MS - 90 * DAY_MS),
    LastSecurityTime: String(EPOCH_MS + 200 * DAY_MS),
    PostActionCookieSecret: JSON.stringify({ key: rng.bytes(32).toString('base64') }),
    content_extraction_job_done: 'true',
    migration_advanced_permissions_phase_2: 'true',
  };
  return Object.entries(values).map(([Name, Value]) => ({ Name, Value }));
}

function preferenceRows(rng: Rng, dir: DemoDirectory): Row[] {
  const rows: Row[] = [];
  dir.userIds.forEach((userId, i) => {
    rows.push({ UserId: userId, Category: 'tutorial_step', Name: userId, Value: String(i % 4) });
    rows.push({ UserId: userId, Category: 'display_settings', Name: 'use_military_time', Value: i % 2 ? 'true' : 'false' });
    if (i % 3 === 0) rows.push({ UserId: userId, Category: 'display_settings', Name: 'name_format', Value: 'nickname_full_name' });
    if (i % 5 === 0) {
      rows.push({ UserId: userId, Category: 'recent_emojis', Name: userId, Value: '[{"name":"+1","usageCount":3},{"name":"tada","usageCount":1}]' });
    }
    if (rng.chance(0.3)) rows.push({ UserId: userId, Category: 'direct_channel_show', Name: dir.userIds[0], Value: 'true' });
  });
  return rows;
}

function sessionRows(rng: Rng, dir: DemoDirectory): Row[] {
  return dir.userIds.filter((_, i) => i % 2 === 0).map((userId, i) => {
    const at = EPOCH_MS + i * DAY_MS;
    return {
      Id: rng.id(), Token: rng.id(), CreateAt: at, ExpiresAt: at + 30 * DAY_MS, LastActivityAt: at + 3_600_000, UserId: userId,
      DeviceId: i % 3 === 0 ? `apple_rn-v2:${rng.token(64)}` : '', Roles: i === 0 ? 'system_user system_admin' : 'system_user',
      IsOAuth: false, Props: JSON.stringify({ browser: 'Firefox/125.0', os: 'Linux', platform: 'Linux', csrf: rng.token(26), type: 'Web' }),
      ExpiredNotify: i % 4 === 3,
    };
  });
}

/**
 * The database config store as Mattermost keeps it: one active config row, one superseded (Active NULL, which
 * the unique index on Active allows more than once), and the files that live beside config.json.
 */
function configStoreRows(rng: Rng): { Configurations: Row[]; ConfigurationFiles: Row[] } {
  const config = (siteName: string) => JSON.stringify({ ServiceSettings: { SiteURL: 'https://chat.example.com' }, TeamSettings: { SiteName: siteName } });
  const pem = (label: string) => `-----BEGIN ${label}-----\n${rng.bytes(180).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
  return {
    Configurations: [
      { Id: rng.id(), Value: config('Old name'), CreateAt: EPOCH_MS - 10 * DAY_MS, Active: null },
      { Id: rng.id(), Value: config('Example Chat ✓'), CreateAt: EPOCH_MS, Active: true },
    ],
    ConfigurationFiles: [
      { Name: 'saml-idp.crt', Data: pem('CERTIFICATE'), CreateAt: EPOCH_MS, UpdateAt: EPOCH_MS },
      { Name: 'saml-private.key', Data: pem('PRIVATE KEY'), CreateAt: EPOCH_MS, UpdateAt: EPOCH_MS },
    ],
  };
}

/** Plugin KV rows, including binary values with NUL and 0xff bytes and an empty value. */
function pluginKvRows(rng: Rng): Row[] {
  const rows: Row[] = [
    { PluginId: 'backup-dr', PKey: 'last_run', PValue: Buffer.from('{"ok":true}'), ExpireAt: 0 },
    { PluginId: 'backup-dr', PKey: 'binary', PValue: Buffer.from([0, 1, 2, 0xff, 0xfe, 0x5c, 0x27, 0x0a, 0]), ExpireAt: 0 },
    { PluginId: 'backup-dr', PKey: 'empty', PValue: Buffer.alloc(0), ExpireAt: 0 },
    { PluginId: 'backup-dr', PKey: 'null', PValue: null, ExpireAt: EPOCH_MS + DAY_MS },
  ];
  for (let i = 0; i < 20; i++) rows.push({ PluginId: 'com.mattermost.calls', PKey: `session_${i}`, PValue: rng.bytes(64 + i * 8), ExpireAt: 0 });
  return rows;
}

function jobRows(rng: Rng): Row[] {
  const types = ['data_retention', 'message_export', 'elasticsearch_post_indexing', 'migrations', 'export_delete'];
  return types.map((type, i) => ({
    Id: rng.id(), Type: type, Priority: 0, CreateAt: EPOCH_MS + i * DAY_MS, StartAt: EPOCH_MS + i * DAY_MS + 1000,
    LastActivityAt: EPOCH_MS + i * DAY_MS + 5000, Status: i === 2 ? 'error' : 'success', Progress: i === 2 ? 42 : 100,
    Data: i === 3 ? null : JSON.stringify({ error: i === 2 ? 'connection refused: "es:9200"' : '', start_time: String(EPOCH_MS) }),
  }));
}

function eventRows(dir: DemoDirectory): Row[] {
  const actions = ['login', 'logout', 'update_config', 'create_post', 'restore'];
  return Array.from({ length: 40 }, (_, i) => ({
    UserId: dir.userIds[i % dir.userIds.length], Action: actions[i % actions.length],
    Detail: i % 6 === 0 ? 'from 203.0.113.7; agent "curl/8.5"\nsecond line' : '', CreateAt: EPOCH_MS + i * 60_000,
  }));
}

/** All small tables, keyed by table name, deterministic for `seed`. */
export function generateSystemRows(seed: number, dir: DemoDirectory): Record<string, Row[]> {
  const rng = Rng.stream(seed, 'system');
  return {
    Preferences: preferenceRows(rng, dir),
    Sessions: sessionRows(rng, dir),
    Systems: systemRows(rng),
    db_migrations: migrationRows(),
    ...configStoreRows(rng),
    PluginKeyValueStore: pluginKvRows(rng),
    Jobs: jobRows(rng),
    EventLog: eventRows(dir),
  };
}
