/**
 * `mmbackup serve` end to end, driven as the plugin drives it: the real bridge with the real PostgreSQL and
 * repository, HTTP with the plugin secret read from Mattermost's config, and a reader of the event stream
 * that sees what the plugin would turn into posts and websocket events. The bridge makes no call to
 * Mattermost at all.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { serve, type RunningBridge } from '../src/bridge/serve';
import { LocalDestination } from '../src/destinations/local';
import { passphraseSecret } from '../src/repository/keys';
import { Repository } from '../src/repository/repository';
import { listSnapshots } from '../src/repository/snapshots';
import { createInstallation, DB_PASSWORD, PASSPHRASE, type TestInstallation } from './support/installation';
import { PluginClient } from './support/plugin';

const SECRET = 'VGhlIHBsdWdpbidzIGdlbmVyYXRlZCBzZWNyZXQ';

let inst: TestInstallation;
let repository: Repository;
const running: RunningBridge[] = [];
let dataSource: string;
const logs: string[] = [];

/** Writes the plugin's settings as Mattermost stores them (keys lower-cased, the generated secret among them). */
async function writePluginSettings(settings: Record<string, unknown>, change: (config: any) => void = () => {}, secret: string | null = SECRET): Promise<void> {
  const config = JSON.parse(await fs.readFile(inst.configFile, 'utf8'));
  config.PluginSettings.Plugins = { 'backup-dr': { opsteam: 'ops', opschannel: 'backups', backupschedule: '0 3 * * *', ...(secret ? { bridgesecret: secret } : {}), ...settings } };
  change(config);
  await fs.writeFile(inst.configFile, JSON.stringify(config, null, 2));
}

async function startBridge(env: Record<string, string> = {}): Promise<RunningBridge & { plugin: PluginClient }> {
  const bridge = await serve({
    repository,
    secret: passphraseSecret(PASSPHRASE),
    installation: { source: inst.configFile, env: {} },
    env: { MMBACKUP_LISTEN: '127.0.0.1:0', ...env },
    log: (line) => logs.push(line),
    settingsPollMs: 150,
    overdueCheckMs: 200,
    repositoryCheckMs: 200,
    pingMs: 100,
  });
  running.push(bridge);
  return Object.assign(bridge, { plugin: new PluginClient(bridge.url, SECRET) });
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

beforeAll(async () => {
  inst = await createInstallation('postgres', { extraFiles: 60 });
  repository = await Repository.init(new LocalDestination(inst.repo), passphraseSecret(PASSPHRASE));
  dataSource = JSON.parse(await fs.readFile(inst.configFile, 'utf8')).SqlSettings.DataSource;
  await writePluginSettings({});
});

afterAll(async () => {
  for (const bridge of running) await bridge.stop();
  await inst?.cleanup();
});

test('without a plugin secret every request is refused with BRIDGE_NO_SECRET; the generated one is read from the config on the poll', async () => {
  await writePluginSettings({}, () => {}, null);
  const bridge = await startBridge();
  const first = await bridge.plugin.json('/api/v1/status');
  expect(first).toMatchObject({ status: 503, body: { error: 'BRIDGE_NO_SECRET' } });
  await writePluginSettings({});
  const ok = await until('the secret from the config', async () => {
    const res = await bridge.plugin.fetch('/api/v1/status');
    return res.status === 200 && res;
  });
  const text = await ok.text();
  expect(text).not.toContain(PASSPHRASE);
  expect(text).not.toContain(SECRET);
  const wrong = await new PluginClient(bridge.url, `${SECRET}-old`).json('/api/v1/status');
  expect(wrong).toMatchObject({ status: 401, body: { error: 'BRIDGE_SECRET_MISMATCH' } });
  expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200);
  expect(await (await fetch(`${bridge.url}/metrics`)).text()).toContain('mmbackup_backup_attempt_total');
  expect(logs.join('\n')).not.toContain(SECRET);
  await until('the start-up backup to end', () => !bridge.bridge.runner.isBusy());
  await running.pop()!.stop();
});

test('MMBACKUP_BRIDGE_SECRET overrides the plugin setting; MMBACKUP_LISTEN=unix:/path serves on a socket', async () => {
  const socket = join(inst.root, 'bridge.sock');
  const bridge = await startBridge({ MMBACKUP_BRIDGE_SECRET: 'from-the-environment-file', MMBACKUP_LISTEN: `unix:${socket}` });
  expect(bridge.url).toBe(`unix:${socket}`);
  expect(((await fs.stat(socket)).mode & 0o777)).toBe(0o660);
  const status = await new Promise<number | undefined>((resolve, reject) => {
    const http = require('node:http') as typeof import('node:http');
    http.get({ socketPath: socket, path: '/api/v1/settings', headers: { 'X-MMBackup-Secret': 'from-the-environment-file' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject);
  });
  expect(status).toBe(200);
  await until('the start-up backup to end', () => !bridge.bridge.runner.isBusy());
  await running.pop()!.stop();
});

test('a schedule fires a real backup; settings changes reach the running bridge; an invalid cron is reported, not fatal', async () => {
  const bridge = await startBridge();
  await until('the start-up backup to end', () => !bridge.bridge.runner.isBusy());
  const before = (await listSnapshots(repository)).length;
  await writePluginSettings({ backupschedule: '*/2 * * * * *' });
  await until('a scheduled backup', async () => (await listSnapshots(repository)).length > before);
  await writePluginSettings({ backupschedule: 'not a cron' });
  const status = await until('the invalid cron to be reported', async () => {
    const s = (await bridge.plugin.json('/api/v1/status')).body;
    return s.problems.some((p: string) => p.startsWith('BackupSchedule')) && s;
  });
  expect(status.lastSuccess).not.toBeNull();
  await writePluginSettings({});
  await until('the valid cron again', async () => !(await bridge.plugin.json('/api/v1/status')).body.problems.some((p: string) => p.startsWith('BackupSchedule')));
  await until('the running job to end', () => !bridge.bridge.runner.isBusy());
  await running.pop()!.stop();
});

test('a backup from the console streams its job events and says who started it', async () => {
  const bridge = await startBridge();
  await until('the start-up backup to end', () => !bridge.bridge.runner.isBusy());
  const events = await bridge.plugin.follow();
  const started = await bridge.plugin.post('/api/v1/backups', { only: ['db', 'files'] });
  expect(started.status).toBe(202);
  const { jobId } = started.body;
  const job = () => events.of('job').filter((e) => e.jobId === jobId);
  await events.until('the finished event', () => job().some((e) => e.phase === 'finished'));
  const phases = job().map((e) => e.phase);
  expect(phases[0]).toBe('started');
  expect(phases.at(-1)).toBe('finished');
  expect(job().at(-1)).toMatchObject({ kind: 'backup', outcome: 'succeeded' });
  expect(job().filter((e) => e.phase === 'step').map((e) => e.step)).toEqual(expect.arrayContaining(['dump-db', 'files']));
  expect(job().find((e) => e.phase === 'log')).toMatchObject({ line: 'started by @admin' });
  expect(job().filter((e) => e.phase === 'step').every((e) => e.stepIndex >= 1 && e.stepCount >= e.stepIndex)).toBe(true);
  expect(job().filter((e) => e.phase === 'progress').length).toBeGreaterThan(0);
  expect(events.events[0]).toMatchObject({ event: 'hello', data: { protocol: 1, bridgeVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) } });
  expect(events.of('comment').length).toBeGreaterThan(0);
  expect(JSON.stringify(events.events)).not.toContain(DB_PASSWORD);
  await events.stop();
  await running.pop()!.stop();
});

test('a failing backup gives exactly one alert with step and fix and no secret, then one recovery alert', async () => {
  const bridge = await startBridge();
  await until('the start-up backup to end', () => !bridge.bridge.runner.isBusy());
  const events = await bridge.plugin.follow();
  await writePluginSettings({}, (c) => (c.SqlSettings.DataSource = `postgres://postgres:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:1/nowhere?sslmode=disable`));
  const failures = () => events.of('alert').filter((a) => a.kind === 'backup-failed');
  const jobIds: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { jobId } = await bridge.bridge.startBackup(['db']);
    jobIds.push(jobId);
    await bridge.bridge.waitFor(jobId);
  }
  const [alert] = await events.until('the failure alert', () => failures().length > 0 && failures());
  await new Promise((r) => setTimeout(r, 300));
  expect(failures()).toHaveLength(1);
  expect(alert).toMatchObject({ id: `backup-failed:${jobIds[0]}`, severity: 'error' });
  expect(alert.message).toMatch(/\*\*Step:\*\* (dump-db|inspect-db|preflight)/);
  expect(alert.message).toMatch(/\*\*Fix:\*\*/);
  expect(JSON.stringify(events.events)).not.toContain(DB_PASSWORD);
  expect(events.of('job').filter((e) => e.phase === 'finished').map((e) => e.outcome)).toEqual(['failed', 'failed']);

  await writePluginSettings({}, (c) => (c.SqlSettings.DataSource = dataSource));
  const { jobId } = await bridge.bridge.startBackup(['db']);
  await bridge.bridge.waitFor(jobId);
  const [recovered] = await events.until('the recovery alert', () => events.of('alert').filter((a) => a.kind === 'backup-recovered').length === 1 && events.of('alert').filter((a) => a.kind === 'backup-recovered'));
  expect(recovered).toMatchObject({ severity: 'info', message: expect.stringContaining('after 2 failed runs') });
  expect(failures()).toHaveLength(1);
  await events.stop();
  await running.pop()!.stop();
});

test('/backup now through POST commands answers at once, runs the backup, and its outcome comes as a reply for the channel', async () => {
  const bridge = await startBridge();
  await until('the start-up backup to end', () => !bridge.bridge.runner.isBusy());
  const events = await bridge.plugin.follow();
  const asked = new Date().toISOString();
  const answer = await bridge.plugin.post('/api/v1/commands', { userId: 'u-admin', username: 'admin', channelId: 'chan-town-square', teamId: 'team-1', rootId: 'thread-1', text: 'now db' });
  expect(answer.status).toBe(200);
  expect(answer.body.text).toMatch(/^Backup started \(job backup-\S+: db\)/);
  const [reply] = await events.until('the reply', () => events.of('reply').length > 0 && events.of('reply'));
  expect(reply).toMatchObject({ channelId: 'chan-town-square', rootId: 'thread-1', message: expect.stringMatching(/^@admin backup backup-\S+ finished in \d+ s\.$/) });
  const [newest] = await listSnapshots(repository);
  expect(newest.startedAt > asked).toBe(true);
  expect(Object.keys(newest.components)).toEqual(['db']);
  const status = await bridge.plugin.post('/api/v1/commands', { userId: 'u-admin', username: 'admin', channelId: 'c', teamId: 't', text: 'status' });
  expect(status.body.text).toMatch(/^- Running: nothing\n/);
  await events.stop();
  await running.pop()!.stop();
});

test('the log stream shows a running job\'s steps; cancel stops it and leaves no snapshot', async () => {
  const bridge = await startBridge();
  await until('the start-up backup to end', () => !bridge.bridge.runner.isBusy());
  const before = (await listSnapshots(repository)).length;
  const post = await bridge.plugin.post('/api/v1/backups', { only: ['db', 'files'] });
  expect(post.status).toBe(202);
  const { jobId } = post.body;
  const stream = await bridge.plugin.fetch(`/api/v1/jobs/${jobId}/log`);
  const reader = stream.body!.getReader();
  let text = '';
  while (!/files/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  expect(text).toMatch(/dump-db/);
  expect((await bridge.plugin.post('/api/v1/jobs/current/cancel')).status).toBe(200);
  while (!/event: end/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  expect(text).toMatch(/cancel/);
  expect(bridge.bridge.runner.lastResult('backup')?.cancelled).toBe(true);
  expect((await listSnapshots(repository)).length).toBe(before);
  await running.pop()!.stop();
});

test('an overdue alert is sent when no backup succeeded within the RPO threshold', async () => {
  await writePluginSettings({ rpohours: 0.0001 });
  const bridge = await startBridge();
  const events = await bridge.plugin.follow();
  const [overdue] = await events.until('the overdue alert', () => events.of('alert').filter((a) => a.kind === 'backup-overdue').length > 0 && events.of('alert').filter((a) => a.kind === 'backup-overdue'));
  expect(overdue).toMatchObject({ severity: 'warning', id: expect.stringMatching(/^backup-overdue:\d{4}-\d\d-\d\dT[\d:.]+Z:\d+$/) });
  await events.stop();
  await until('the running job to end', () => !bridge.bridge.runner.isBusy());
  await running.pop()!.stop();
  await writePluginSettings({});
});

test('a repository that goes away is a problem in the status and one alert; back in place, the problem ends with a recovery alert', async () => {
  const bridge = await startBridge();
  const status = async () => (await bridge.plugin.json('/api/v1/status')).body;
  await until('the running job to end', () => !bridge.bridge.runner.isBusy());
  const events = await bridge.plugin.follow();
  const unreachable = () => events.of('alert').filter((a) => a.kind === 'repository-unreachable');
  await fs.rename(inst.repo, `${inst.repo}.away`);
  try {
    const failing = await until('the repository problem', async () => {
      const s = await status();
      return s.problems.some((p: string) => p.includes('has no config object')) && s;
    });
    expect(failing.health).toBe('failing');
    await events.until('the repository alert', () => unreachable().length > 0);
    await new Promise((r) => setTimeout(r, 600));
    expect(unreachable()).toHaveLength(1);
  } finally {
    await fs.rename(`${inst.repo}.away`, inst.repo);
  }
  await until('the problem to end', async () => !(await status()).problems.some((p: string) => p.includes('has no config object')));
  const [recovered] = await events.until('the recovery alert', () => events.of('alert').filter((a) => a.kind === 'repository-recovered').length > 0 && events.of('alert').filter((a) => a.kind === 'repository-recovered'));
  expect(recovered.id).toBe(`repository-recovered:${unreachable()[0].id}`);
  await events.stop();
  await running.pop()!.stop();
});
