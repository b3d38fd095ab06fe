/**
 * `mmbackup serve` end to end: the real bridge with the real PostgreSQL and repository, against the
 * Mattermost test server that checks every request and response against the OpenAPI files.
 */
import { promises as fs } from 'node:fs';
import { serve, type RunningBridge } from '../src/bridge/serve';
import { LocalDestination } from '../src/destinations/local';
import { passphraseSecret } from '../src/repository/keys';
import { Repository } from '../src/repository/repository';
import { listSnapshots } from '../src/repository/snapshots';
import { createInstallation, DB_PASSWORD, PASSPHRASE, type TestInstallation } from './support/installation';
import { startMattermostTestServer, type MattermostTestServer } from './support/mattermost/server';

let inst: TestInstallation;
let mm: MattermostTestServer;
let repository: Repository;
const running: RunningBridge[] = [];
let adminToken: string;
let userToken: string;
let botToken: string;
let opsChannelId: string;
let dataSource: string;
const logs: string[] = [];

async function writePluginSettings(settings: Record<string, unknown>, change: (config: any) => void = () => {}): Promise<void> {
  const config = JSON.parse(await fs.readFile(inst.configFile, 'utf8'));
  config.ServiceSettings.SiteURL = mm.url;
  config.PluginSettings.Plugins = { 'backup-dr': { OpsTeam: 'ops', OpsChannel: 'backups', BackupSchedule: '0 3 * * *', ...settings } };
  change(config);
  await fs.writeFile(inst.configFile, JSON.stringify(config, null, 2));
}

async function startBridge(): Promise<RunningBridge> {
  const bridge = await serve({
    repository,
    secret: passphraseSecret(PASSPHRASE),
    installation: { source: inst.configFile, env: {} },
    env: { MMBACKUP_BOT_TOKEN: botToken, MMBACKUP_LISTEN: '127.0.0.1:0', MMBACKUP_SLASH_URL: 'http://127.0.0.1:9/backup-dr/api/v1/slash' },
    log: (line) => logs.push(line),
    settingsPollMs: 150,
    overdueCheckMs: 200,
    repositoryCheckMs: 200,
    allowanceCheckMs: 200,
  });
  running.push(bridge);
  return bridge;
}

async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; bridge log:\n${logs.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const opsPosts = () => mm.state.posts.filter((p) => p.channel_id === opsChannelId);

beforeAll(async () => {
  inst = await createInstallation('postgres', { extraFiles: 60 });
  mm = await startMattermostTestServer();
  adminToken = mm.state.addUser({ username: 'admin', roles: 'system_user system_admin' }).token;
  userToken = mm.state.addUser({ username: 'someone' }).token;
  const bot = mm.state.addBot({ username: 'backup-bot', permissions: ['manage_slash_commands', 'manage_system'] });
  botToken = bot.token;
  const team = mm.state.addTeam('ops');
  mm.state.addTeamMember(team.id, bot.user.id);
  opsChannelId = mm.state.addChannel(team.id, 'backups').id;
  repository = await Repository.init(new LocalDestination(inst.repo), passphraseSecret(PASSPHRASE));
  dataSource = JSON.parse(await fs.readFile(inst.configFile, 'utf8')).SqlSettings.DataSource;
  await writePluginSettings({});
});

afterAll(async () => {
  for (const bridge of running) await bridge.stop();
  await mm?.stop();
  await inst?.cleanup();
});

afterEach(() => {
  expect(mm.problems).toEqual([]);
});

test('the API refuses the unauthenticated (401), non-admins (403) and cookie writes without CSRF', async () => {
  const { url } = await startBridge();
  expect((await fetch(`${url}/api/v1/status`)).status).toBe(401);
  expect((await fetch(`${url}/api/v1/status`, { headers: { Authorization: `Bearer ${userToken}` } })).status).toBe(403);
  const ok = await fetch(`${url}/api/v1/status`, { headers: { Authorization: `Bearer ${adminToken}` } });
  expect(ok.status).toBe(200);
  expect(await ok.text()).not.toContain(PASSPHRASE);
  const noCsrf = await fetch(`${url}/api/v1/backups`, { method: 'POST', headers: { Cookie: `MMAUTHTOKEN=${adminToken}; MMCSRF=abc`, 'Content-Type': 'application/json' }, body: '{}' });
  expect(noCsrf.status).toBe(403);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect(await (await fetch(`${url}/metrics`)).text()).toContain('mmbackup_backup_attempt_total');
  await running.pop()!.stop();
});

test('a schedule fires a real backup; settings changes reach the running bridge; an invalid cron is reported, not fatal', async () => {
  const bridge = await startBridge();
  const auth = { headers: { Authorization: `Bearer ${adminToken}` } };
  await until('the start-up backup to end', () => !bridge.bridge.runner.isBusy());
  const before = (await listSnapshots(repository)).length;
  await writePluginSettings({ BackupSchedule: '*/2 * * * * *' });
  await until('a scheduled backup', async () => (await listSnapshots(repository)).length > before);
  await writePluginSettings({ BackupSchedule: 'not a cron' });
  const status = await until('the invalid cron to be reported', async () => {
    const s = (await (await fetch(`${bridge.url}/api/v1/status`, auth)).json()) as any;
    return s.problems.some((p: string) => p.startsWith('BackupSchedule')) && s;
  });
  expect(status.lastSuccess).not.toBeNull();
  await writePluginSettings({ BackupSchedule: '0 3 * * *' });
  await until('the valid cron again', async () => !((await (await fetch(`${bridge.url}/api/v1/status`, auth)).json()) as any).problems.some((p: string) => p.startsWith('BackupSchedule')));
  await until('the running job to end', () => !bridge.bridge.runner.isBusy());
  await running.pop()!.stop();
});

test('a failing backup posts exactly one alert with step and fix and no secret, then one recovery post', async () => {
  const bridge = await startBridge();
  await writePluginSettings({}, (c) => (c.SqlSettings.DataSource = `postgres://postgres:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:1/nowhere?sslmode=disable`));
  const failureAlerts = () => opsPosts().filter((p) => /Backup failed/i.test(JSON.stringify(p.props)));
  const recoveryPosts = () => opsPosts().filter((p) => /succeeded after/i.test(JSON.stringify(p.props)));
  for (let i = 0; i < 2; i++) {
    const { jobId } = await bridge.bridge.startBackup(['db']);
    await bridge.bridge.waitFor(jobId);
  }
  const alerts = await until('the failure alert', () => failureAlerts().length > 0 && failureAlerts());
  await new Promise((r) => setTimeout(r, 300));
  expect(failureAlerts()).toHaveLength(1);
  const text = JSON.stringify(alerts[0].props);
  expect(text).toMatch(/dump-db|inspect-db|preflight/);
  expect(text).toMatch(/fix|Fix/);
  expect(text).not.toContain(DB_PASSWORD);

  await writePluginSettings({}, (c) => (c.SqlSettings.DataSource = dataSource));
  const { jobId } = await bridge.bridge.startBackup(['db']);
  await bridge.bridge.waitFor(jobId);
  await until('the recovery post', () => recoveryPosts().length === 1);
  expect(failureAlerts()).toHaveLength(1);
  await running.pop()!.stop();
});

test('/backup now from an admin starts a backup; a non-admin and a wrong token are refused', async () => {
  const bridge = await startBridge();
  const command = [...mm.state.commands.values()].find((c) => c.trigger === 'backup');
  expect(command).toBeDefined();
  const admin = [...mm.state.users.values()].find((u) => u.username === 'admin')!;
  const someone = [...mm.state.users.values()].find((u) => u.username === 'someone')!;
  const slash = (token: string, userId: string, text: string) =>
    fetch(`${bridge.url}/api/v1/slash`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, user_id: userId, user_name: 'x', channel_id: opsChannelId, team_id: command!.team_id, command: '/backup', text, response_url: '' }).toString() });
  const before = (await listSnapshots(repository)).length;
  const started = await slash(command!.token, admin.id, 'now db');
  expect(started.status).toBe(200);
  expect(((await started.json()) as any).text).toMatch(/Backup started/);
  await until('the slash-started backup', async () => (await listSnapshots(repository)).length > before);
  const refused = await slash(command!.token, someone.id, 'now');
  expect(((await refused.json()) as any).text).not.toMatch(/Backup started/);
  expect((await slash('wrong-token', admin.id, 'now')).status).toBe(401);
  await until('the running job to end', () => !bridge.bridge.runner.isBusy());
  await running.pop()!.stop();
});

test('the log stream shows a running job\'s steps; cancel stops it and leaves no snapshot', async () => {
  const bridge = await startBridge();
  const auth = { Authorization: `Bearer ${adminToken}` };
  const before = (await listSnapshots(repository)).length;
  const post = await fetch(`${bridge.url}/api/v1/backups`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ only: ['db', 'files'] }) });
  expect(post.status).toBe(202);
  const { jobId } = (await post.json()) as any;
  const stream = await fetch(`${bridge.url}/api/v1/jobs/${jobId}/log`, { headers: auth });
  const reader = stream.body!.getReader();
  let text = '';
  while (!/files/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  expect(text).toMatch(/dump-db/);
  expect((await fetch(`${bridge.url}/api/v1/jobs/current/cancel`, { method: 'POST', headers: auth })).status).toBeLessThan(300);
  while (!/event: end/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  expect(text).toMatch(/cancel/);
  expect(bridge.bridge.runner.lastResult('backup')?.cancelled).toBe(true);
  expect((await listSnapshots(repository)).length).toBe(before);
  await running.pop()!.stop();
});

test('an overdue alert is posted when no backup succeeded within the RPO threshold', async () => {
  await writePluginSettings({ RpoHours: 0.0001 });
  const bridge = await startBridge();
  await until('the overdue alert', () => opsPosts().some((p) => /overdue|RPO/i.test(JSON.stringify(p.props))));
  await running.pop()!.stop();
  await writePluginSettings({});
});

test('a repository that goes away is a problem in the status and one alert; back in place, the problem ends', async () => {
  const bridge = await startBridge();
  const auth = { headers: { Authorization: `Bearer ${adminToken}` } };
  const status = async () => (await (await fetch(`${bridge.url}/api/v1/status`, auth)).json()) as any;
  const repositoryAlerts = () => opsPosts().filter((p) => /repository unreachable/i.test(JSON.stringify(p.props)));
  await until('the running job to end', () => !bridge.bridge.runner.isBusy());
  await fs.rename(inst.repo, `${inst.repo}.away`);
  try {
    const failing = await until('the repository problem', async () => {
      const s = await status();
      return s.problems.some((p: string) => p.includes('has no config object')) && s;
    });
    expect(failing.health).toBe('failing');
    await until('the repository alert', () => repositoryAlerts().length > 0);
    await new Promise((r) => setTimeout(r, 600));
    expect(repositoryAlerts()).toHaveLength(1);
  } finally {
    await fs.rename(`${inst.repo}.away`, inst.repo);
  }
  await until('the problem to end', async () => !(await status()).problems.some((p: string) => p.includes('has no config object')));
  await running.pop()!.stop();
});

test('the slash URL on loopback is a problem until Mattermost allows it in AllowedUntrustedInternalConnections', async () => {
  const bridge = await startBridge();
  const auth = { headers: { Authorization: `Bearer ${adminToken}` } };
  const untrusted = async () => ((await (await fetch(`${bridge.url}/api/v1/status`, auth)).json()) as any).problems.filter((p: string) => p.includes('AllowedUntrustedInternalConnections'));
  const [hint] = await until('the allowance hint', async () => (await untrusted()).length > 0 && untrusted());
  expect(hint).toContain('Add 127.0.0.1 to ServiceSettings.AllowedUntrustedInternalConnections');
  await writePluginSettings({}, (c) => (c.ServiceSettings.AllowedUntrustedInternalConnections = 'mattermost.internal 127.0.0.1'));
  try {
    await until('the hint to go once allowed', async () => (await untrusted()).length === 0);
  } finally {
    await writePluginSettings({}, (c) => (c.ServiceSettings.AllowedUntrustedInternalConnections = ''));
  }
  await until('the running job to end', () => !bridge.bridge.runner.isBusy());
  await running.pop()!.stop();
});
