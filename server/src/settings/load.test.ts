import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateConfigDir } from '../demo/generate-config-dir';
import { loadInstallation } from '../mattermost/installation';
import { loadSettings, retentionPolicyOf, settingsForDisplay } from './load';
import { defaultSettings, envNameOf } from './schema';

const DSN = 'postgres://mmuser:s3cret@127.0.0.1:5432/mattermost?sslmode=disable';
const withPlugin = (section: Record<string, unknown>) => ({ config: { PluginSettings: { Plugins: { 'backup-dr': section } } } });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmb-settings-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('defaults when the plugin has no settings', () => {
  const loaded = loadSettings({ installation: { config: {} }, env: {} });
  expect(loaded).toEqual({ effective: defaultSettings(), locked: [], problems: [] });
  expect(loaded.effective).toMatchObject({
    backupSchedule: '0 3 * * *', timeZone: 'UTC', components: ['db', 'config', 'files'], drillSchedule: '0 4 * * 0',
    pruneSchedule: '', rpoHours: 26, offsiteCopy: false, offsiteRepo: '', heartbeatUrl: '', bridgeUrl: 'http://127.0.0.1:8066', bridgeSecret: '',
  });
});

test('the plugin secret comes from the lower-cased key Mattermost stores, MMBACKUP_BRIDGE_SECRET overrides it, and it is only shown as set', () => {
  const config = { PluginSettings: { Plugins: { 'backup-dr': { bridgesecret: 'from-config-secret', bridgeurl: 'unix:/run/mmbackup/bridge.sock' } } } };
  const fromConfig = loadSettings({ installation: { config }, env: {} });
  expect(fromConfig.effective).toMatchObject({ bridgeSecret: 'from-config-secret', bridgeUrl: 'unix:/run/mmbackup/bridge.sock' });
  expect(settingsForDisplay(fromConfig.effective).bridgeSecret).toEqual({ set: true });
  const forced = loadSettings({ installation: { config }, env: { MMBACKUP_BRIDGE_SECRET: 'from-env-secret' } });
  expect(forced.effective.bridgeSecret).toBe('from-env-secret');
  expect(forced.locked).toEqual(['BridgeSecret']);
  const bad = loadSettings({ installation: { config: { PluginSettings: { Plugins: { 'backup-dr': { BridgeUrl: 'ftp://x' } } } } }, env: {} });
  expect(bad.problems).toEqual([{ key: 'BridgeUrl', message: expect.stringMatching(/must be http:\/\/host:port or unix:\/path/) }]);
});

test('reads a config.json written to disk, through loadInstallation', async () => {
  const out = await generateConfigDir(join(dir, 'config'), {
    dataSource: DSN,
    backupPluginSettings: {
      BackupSchedule: '30 1 * * *', TimeZone: 'Europe/Berlin', Components: 'db, config', KeepDaily: 14, KeepWithin: '30d',
      RpoHours: 12, OpsTeam: 'Main', OpsChannel: 'ops-alerts', HeartbeatUrl: 'https://hc-ping.com/abc',
    },
  });
  const loaded = loadSettings({ installation: await loadInstallation({ source: out.configFile, env: {} }), env: {} });
  expect(loaded.problems).toEqual([]);
  expect(loaded.effective).toMatchObject({
    backupSchedule: '30 1 * * *', timeZone: 'Europe/Berlin', components: ['db', 'config'], keepDaily: 14, keepWithin: '30d',
    rpoHours: 12, opsTeam: 'main', opsChannel: 'ops-alerts', heartbeatUrl: 'https://hc-ping.com/abc',
  });
  expect(retentionPolicyOf(loaded.effective)).toMatchObject({ last: 3, daily: 14, weekly: 4, monthly: 12, timeZone: 'Europe/Berlin', within: { days: 30 } });
});

test('accepts the lower-case keys Mattermost stores, and number settings as text', () => {
  const loaded = loadSettings({ installation: withPlugin({ backupschedule: '0 2 * * *', keepweekly: '8', offsitecopy: 'true', rpohours: '48' }), env: { MMBACKUP_OFFSITE_REPO: '/mnt/offsite' } });
  expect(loaded.problems).toEqual([]);
  expect(loaded.effective).toMatchObject({ backupSchedule: '0 2 * * *', keepWeekly: 8, offsiteCopy: true, rpoHours: 48 });
});

test('MMBACKUP_* variables win and lock their settings', () => {
  const env = { MMBACKUP_BACKUP_SCHEDULE: '0 1 * * *', MMBACKUP_KEEP_DAILY: 'unlimited', MMBACKUP_OFFSITE_REPO: 's3://k:supersecret@host/bucket' };
  const loaded = loadSettings({ installation: withPlugin({ BackupSchedule: '0 2 * * *', OffsiteCopy: true }), env });
  expect(loaded.effective).toMatchObject({ backupSchedule: '0 1 * * *', keepDaily: Infinity, offsiteCopy: true, offsiteRepo: 's3://k:supersecret@host/bucket' });
  expect(loaded.locked.sort()).toEqual(['BackupSchedule', 'KeepDaily', 'OffsiteRepo']);
  expect(settingsForDisplay(loaded.effective)).toMatchObject({ keepDaily: 'unlimited', offsiteRepo: { set: true } });
  expect(JSON.stringify(settingsForDisplay(loaded.effective))).not.toContain('supersecret');
});

test('an invalid cron keeps the previous value and is reported', () => {
  const previous = { ...defaultSettings(), backupSchedule: '15 4 * * *' };
  const loaded = loadSettings({ installation: withPlugin({ backupschedule: '0 25 * * *' }), env: {}, previous });
  expect(loaded.effective.backupSchedule).toBe('15 4 * * *');
  expect(loaded.problems).toEqual([{ key: 'BackupSchedule', message: expect.stringMatching(/^BackupSchedule in the plugin settings: hour 25 is out of range/) }]);
  // Without a previous value, the default stays.
  expect(loadSettings({ installation: withPlugin({ BackupSchedule: 'nightly' }), env: {} }).effective.backupSchedule).toBe('0 3 * * *');
});

test.each([
  [{ TimeZone: 'Mars/Olympus' }, {}, 'TimeZone', /not a time zone/],
  [{ Components: 'db,photos' }, {}, 'Components', /unknown component "photos"/],
  [{ KeepDaily: -1 }, {}, 'KeepDaily', /"-1" is not a whole number/],
  [{ KeepWithin: '30 days' }, {}, 'KeepWithin', /is not a duration/],
  [{ RpoHours: 0 }, {}, 'RpoHours', /greater than 0/],
  [{ OffsiteCopy: 'maybe' }, {}, 'OffsiteCopy', /not true or false/],
  [{ OpsChannel: 'Town Square' }, {}, 'OpsChannel', /as in its URL/],
  [{ HeartbeatUrl: 'ftp://user:pw@host/x' }, {}, 'HeartbeatUrl', /http/],
  [{ DrillSchedule: '* * *' }, {}, 'DrillSchedule', /5 fields/],
  [{}, { MMBACKUP_PRUNE_SCHEDULE: '99 * * * *' }, 'PruneSchedule', /^MMBACKUP_PRUNE_SCHEDULE: minute 99/],
  [{ OffsiteCopy: true }, {}, 'OffsiteCopy', /MMBACKUP_OFFSITE_REPO is not set/],
  [{ OpsTeam: 'main' }, {}, 'OpsChannel', /set together/],
  [{ OffsiteRepo: 's3://a:b@c/d' }, {}, 'OffsiteRepo', /read only from MMBACKUP_OFFSITE_REPO/],
])('%j %j → problem with %s', (section, env, key, message) => {
  const loaded = loadSettings({ installation: withPlugin(section), env });
  expect(loaded.problems).toEqual([{ key, message: expect.stringMatching(message) }]);
  expect(loaded.effective).toEqual(defaultSettings());
});

test('problem messages never show secret values', () => {
  const loaded = loadSettings({ installation: withPlugin({ HeartbeatUrl: 'not a url with token-abcdef123' }), env: {} });
  expect(loaded.problems[0].message).not.toContain('token-abcdef123');
});

test('environment names follow the keys', () => {
  expect(envNameOf('BackupSchedule')).toBe('MMBACKUP_BACKUP_SCHEDULE');
  expect(envNameOf('KeepDaily')).toBe('MMBACKUP_KEEP_DAILY');
  expect(envNameOf('RpoHours')).toBe('MMBACKUP_RPO_HOURS');
  expect(envNameOf('TimeZone')).toBe('MMBACKUP_TIME_ZONE');
});
