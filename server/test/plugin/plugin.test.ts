/**
 * The plugin on a real Mattermost server: the `make dist` bundle uploaded through the API and enabled, its Go
 * part talking to a real `mmbackup serve` (its own process) that backs up this very Mattermost (its PostgreSQL
 * database, config and file store) into a real repository. Nothing here imitates Mattermost or the bridge.
 *
 * One Mattermost for the whole file (its first start runs every migration); the tests run in order and share
 * it, the bridge, the ops channel and the users.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WebSocketClient } from '@mattermost/client';
import { Client } from 'pg';
import { LocalDestination } from '../../src/destinations/local';
import { passphraseSecret } from '../../src/repository/keys';
import { Repository } from '../../src/repository/repository';
import { listSnapshots } from '../../src/repository/snapshots';
import { MATTERMOST_START_TIMEOUT_MS, type LoginSession, type MattermostUser, type RealMattermost, startMattermost } from '../support/real-mattermost';
import { freePort } from '../../src/common/free-port';
import { logFileIn } from '../support/real-mattermost/process';
import { type BridgeProcess, initRepository, SERVER_DIR, startBridge } from './bridge-process';

const PLUGIN_ID = 'backup-dr';
const ROUTES = `/plugins/${PLUGIN_ID}/api/v1`;
const PASSPHRASE = `plugin test passphrase ${randomBytes(6).toString('hex')}`;
const REPO_ROOT = path.join(SERVER_DIR, '..');
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

let mm: RealMattermost;
let work: string;
let bridge: BridgeProcess | undefined;
let bridgePort: number;
let repository: Repository;
let passphraseFile: string;
/** The PostgreSQL role the bridge reads Mattermost's database as: NOLOGIN makes the database unreachable for it alone. */
const bridgeRole = `mmbackup_bridge_${randomBytes(4).toString('hex')}`;
const opsTeamName = `ops-${randomBytes(4).toString('hex')}`;
let opsChannelId: string;
let townSquareId: string;
let botUserId: string;
let user: MattermostUser;
let adminSession: LoginSession;
let userSession: LoginSession;

async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}\nbridge output:\n${bridge?.output().slice(-3000)}\nMattermost log:\n${mm.logTail(30)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function sql(text: string): Promise<void> {
  const client = new Client(PG);
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A plugin route as the console calls it: bearer token, browser session (cookies, CSRF optional) or nothing. */
function route(routePath: string, auth: { token?: string; session?: LoginSession; csrf?: boolean }, init: { method?: string; json?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (auth.token) headers.Authorization = `Bearer ${auth.token}`;
  if (auth.session) {
    headers.Cookie = auth.session.cookieHeader;
    if (auth.csrf) Object.assign(headers, { 'X-Requested-With': 'XMLHttpRequest', 'X-CSRF-Token': auth.session.csrfToken });
  }
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const method = init.method ?? 'GET';
  return fetch(`${mm.url}${ROUTES}${routePath}`, { method, headers, body, signal: AbortSignal.timeout(30_000) }).catch((err: Error) => {
    throw new Error(`${method} ${ROUTES}${routePath}: ${err.message}\nbridge output:\n${bridge?.output().slice(-2000)}\nMattermost log:\n${mm.logTail(30)}`);
  });
}

const adminAuth = () => ({ token: mm.admin.token });

async function status(): Promise<any> {
  const res = await route('/status', adminAuth());
  if (res.status !== 200) throw new Error(`GET ${ROUTES}/status: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

const idle = () => until('the bridge to be idle', async () => (await status()).running === null, 120_000);

/** The bot's own posts in a channel (not the system's "joined the channel" ones), oldest first. */
async function botPosts(channelId: string): Promise<Array<{ id: string; message: string; props: Record<string, unknown>; root_id: string }>> {
  const { body } = await mm.request<{ order: string[]; posts: Record<string, any> }>('GET', `/api/v4/channels/${channelId}/posts?per_page=200`);
  return body.order.map((id) => body.posts[id]).filter((p) => p.user_id === botUserId && p.type === '').reverse();
}

async function execute(command: string, token: string, rootId?: string): Promise<{ text?: string; response_type?: string }> {
  const { body } = await mm.request<{ text?: string; response_type?: string }>('POST', '/api/v4/commands/execute', {
    token, json: { channel_id: townSquareId, team_id: mm.team.id, command, ...(rootId ? { root_id: rootId } : {}) },
  });
  return body;
}

const snapshotCount = async () => (await listSnapshots(repository)).length;

/** The plugin's lines in Mattermost's log that mention `text`. */
async function pluginLog(text: string): Promise<string[]> {
  const log = await fs.readFile(logFileIn(path.join(mm.root, 'logs')), 'utf8');
  return log.split('\n').filter((line) => line.includes('mmbackup bridge') && line.includes(text));
}

/** Starts the bridge and waits until the plugin reaches it and follows its event stream again. */
async function bridgeUp(listen: number | string = bridgePort): Promise<void> {
  const connectedBefore = (await pluginLog('connected')).length;
  await restartBridge({}, listen);
  // A console request that gets through also wakes the plugin's event subscription out of its backoff.
  await until('the plugin to reach the bridge', async () => (await route('/status', adminAuth())).status === 200);
  await until('the plugin to follow the bridge\'s events', async () => (await pluginLog('connected')).length > connectedBefore);
}

async function restartBridge(env: Record<string, string> = {}, listen: number | string = bridgePort): Promise<void> {
  await bridge?.stop();
  bridge = undefined;
  bridge = await startBridge({
    listen, mattermostConfig: mm.configFile, repo: path.join(work, 'repository'), passphraseFile,
    env: { MM_SQLSETTINGS_DATASOURCE: `postgres://${bridgeRole}@127.0.0.1:5432/${mm.database}?sslmode=disable&connect_timeout=10`, ...env },
  });
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'backup-dr-plugin-test-'));
  // The bundle `make dist` makes, from the current sources (Go's build cache makes this quick when unchanged).
  for (const args of [['build/plugin-server.mjs'], ['build/bundle.mjs', '--out', path.join(work, 'dist')]]) {
    const run = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  }
  const bundlePath = path.join(work, 'dist', (await fs.readdir(path.join(work, 'dist'))).find((f) => f.endsWith('.tar.gz'))!);

  bridgePort = await freePort();
  mm = await startMattermost({
    config: {
      PluginSettings: {
        // As an admin would set them in the System Console; Mattermost keeps plugin setting keys lower-cased.
        Plugins: { [PLUGIN_ID]: { bridgeurl: `http://127.0.0.1:${bridgePort}`, opsteam: opsTeamName, opschannel: 'backups', backupschedule: '0 3 1 1 *', drillschedule: '', keeplast: 1000 } },
      },
    },
  });
  const { body: team } = await mm.request<{ id: string }>('POST', '/api/v4/teams', { json: { name: opsTeamName, display_name: 'Ops', type: 'O' } });
  opsChannelId = (await mm.request<{ id: string }>('POST', '/api/v4/channels', { json: { team_id: team.id, name: 'backups', display_name: 'Backups', type: 'O' } })).body.id;
  townSquareId = (await mm.request<{ id: string }>('GET', `/api/v4/teams/${mm.team.id}/channels/name/town-square`)).body.id;
  user = await mm.createUser();
  adminSession = await mm.login(mm.admin.username, mm.admin.password);
  userSession = await mm.login(user.username, user.password);

  await sql(`CREATE ROLE ${bridgeRole} LOGIN; GRANT pg_read_all_data TO ${bridgeRole}`);
  passphraseFile = path.join(work, 'passphrase');
  await fs.writeFile(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 });
  initRepository(path.join(work, 'repository'), passphraseFile, work);
  repository = await Repository.open(new LocalDestination(path.join(work, 'repository')), passphraseSecret(PASSPHRASE));

  const uploaded = await mm.uploadPlugin(bundlePath);
  expect(uploaded.id).toBe(PLUGIN_ID);
  await mm.enablePlugin(PLUGIN_ID);
  botUserId = (await mm.request<{ id: string }>('GET', '/api/v4/users/username/backup-dr')).body.id;
  await bridgeUp();
  // The bridge backs up at start when none was ever made (the yearly schedule's last run was missed); the
  // tests begin once that backup is done, not merely before it has begun.
  await until('the start-up backup', async () => {
    const s = await status();
    return s.lastSuccess !== null && s.running === null;
  }, 120_000);
}, MATTERMOST_START_TIMEOUT_MS + 180_000);

afterAll(async () => {
  await bridge?.stop();
  await mm?.stop();
  await sql(`DROP ROLE IF EXISTS ${bridgeRole}`).catch(() => {});
  if (work) await fs.rm(work, { recursive: true, force: true });
}, 120_000);

test('the manifest is accepted, the plugin runs with its bot, and its Go part reaches the running bridge', async () => {
  const { body: statuses } = await mm.request<Array<{ plugin_id: string; state: number; version: string }>>('GET', '/api/v4/plugins/statuses');
  expect(statuses.find((s) => s.plugin_id === PLUGIN_ID)).toMatchObject({ state: 2, version: '0.1.0' }); // 2: PluginStateRunning
  const { body: bot } = await mm.request<{ is_bot: boolean; first_name: string; username: string }>('GET', `/api/v4/users/${botUserId}`);
  expect(bot).toMatchObject({ is_bot: true, username: 'backup-dr' });
  const s = await status();
  expect(s.lastSuccess).not.toBeNull(); // the bridge's own start-up backup, reported through the plugin
  // The secret was generated on activation and saved into Mattermost's config file, where the bridge read it.
  const config = JSON.parse(await fs.readFile(mm.configFile, 'utf8'));
  expect(config.PluginSettings.Plugins[PLUGIN_ID].bridgesecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

test('console routes: admin 200, non-admin 403, no session 401, a POST without the CSRF header refused and nothing started', async () => {
  expect((await route('/status', { session: adminSession, csrf: true })).status).toBe(200);
  expect((await route('/status', { session: adminSession })).status).toBe(200); // GET needs no CSRF token

  const forbidden = await route('/status', { session: userSession, csrf: true });
  expect(forbidden.status).toBe(403);
  expect(await forbidden.json()).toMatchObject({ error: 'FORBIDDEN' });
  const anonymous = await route('/status', {});
  expect(anonymous.status).toBe(401);
  expect(await anonymous.json()).toMatchObject({ error: 'UNAUTHENTICATED' });

  const before = await snapshotCount();
  const noCsrf = await route('/backups', { session: adminSession }, { method: 'POST', json: { only: ['db'] } });
  expect(noCsrf.status).toBe(401); // Mattermost does not vouch for a cookie write without its CSRF token
  expect((await status()).running).toBeNull();
  expect(await snapshotCount()).toBe(before);
});

test('a backup started from the console streams job events over the websocket to admins only', async () => {
  const connect = async (token: string) => {
    const ws = new WebSocketClient({ newWebSocketFn: (url: string) => new WebSocket(url) as any });
    const events: Array<{ event: string; data: any }> = [];
    ws.addMessageListener((msg: any) => events.push(msg));
    const opened = new Promise<void>((resolve) => ws.addFirstConnectListener(() => resolve()));
    ws.initialize(`${mm.url.replace('http', 'ws')}/api/v4/websocket`, token);
    await opened;
    return { ws, events };
  };
  const quiet = jest.spyOn(console, 'log').mockImplementation(() => {}); // the client logs every connect and close
  const admin = await connect(mm.admin.token);
  const other = await connect(user.token);
  try {
    const before = await snapshotCount();
    const started = await route('/backups', { session: adminSession, csrf: true }, { method: 'POST', json: { only: ['db'] } });
    expect(started.status).toBe(202);
    const { jobId } = (await started.json()) as { jobId: string };
    const jobEvents = () => admin.events.filter((e) => e.event === `custom_${PLUGIN_ID}_job` && e.data.jobId === jobId);
    await until('the job to finish on the websocket', () => jobEvents().some((e) => e.data.phase === 'finished'));
    const phases = jobEvents().map((e) => e.data.phase);
    expect(phases[0]).toBe('started');
    expect(phases).toContain('step');
    expect(jobEvents().find((e) => e.data.phase === 'finished')!.data).toMatchObject({ kind: 'backup', outcome: 'succeeded' });
    expect(await snapshotCount()).toBe(before + 1);
    // Mattermost delivers events to everyone else in the same order; the admin's last one has had time to pass.
    await new Promise((r) => setTimeout(r, 500));
    expect(other.events.filter((e) => e.event.startsWith(`custom_${PLUGIN_ID}_`))).toEqual([]);
    expect(other.events.length).toBeGreaterThan(0); // the socket works: it got hello and status events
  } finally {
    admin.ws.close();
    other.ws.close();
    quiet.mockRestore();
  }
});

test('a job\'s log streams through Mattermost as it is written, not when the job ends', async () => {
  await idle();
  // New incompressible files in the file store, so the backup runs long enough to be watched.
  const bulk = path.join(mm.dataDir, 'bulk');
  await fs.mkdir(bulk, { recursive: true });
  for (let i = 0; i < 6; i++) await fs.writeFile(path.join(bulk, `f${i}.bin`), randomBytes(8 * 1024 * 1024));
  const started = await route('/backups', { session: adminSession, csrf: true }, { method: 'POST', json: {} });
  expect(started.status).toBe(202);
  const { jobId } = (await started.json()) as { jobId: string };
  const res = await route(`/jobs/${jobId}/log`, { session: adminSession });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  let text = '';
  let runningAtFirstBytes: string | undefined;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    // Had Mattermost or the plugin held the answer back, the first bytes would come with the end of the job.
    if (!text) runningAtFirstBytes = (await status()).running?.id;
    text += Buffer.from(chunk).toString();
  }
  expect(runningAtFirstBytes).toBe(jobId);
  expect(text).toMatch(/^data: \{"at"/m);
  expect(text).toContain(`event: end\ndata: {"id":"${jobId}","kind":"backup","ok":true`);
});

test('/backup now by an admin backs up into the repository and the bot posts the outcome there; a non-admin is refused and nothing runs', async () => {
  await idle();
  const before = await snapshotCount();
  const refused = await execute('/backup now', user.token);
  expect(refused.response_type).toBe('ephemeral');
  expect(refused.text).toMatch(/only system admins/i);
  await new Promise((r) => setTimeout(r, 1000));
  expect((await status()).running).toBeNull();
  expect(await snapshotCount()).toBe(before);

  const postsBefore = (await botPosts(townSquareId)).length;
  // Run in a thread: the outcome is posted in that thread.
  const { body: thread } = await mm.request<{ id: string }>('POST', '/api/v4/posts', { json: { channel_id: townSquareId, message: 'upgrading tonight, backing up first' } });
  const answer = await execute('/backup now db', mm.admin.token, thread.id);
  expect(answer.response_type).toBe('ephemeral');
  expect(answer.text).toBeTruthy();
  const outcome = await until('the bot to post the outcome in the channel', async () => (await botPosts(townSquareId)).slice(postsBefore)[0]);
  expect(outcome.root_id).toBe(thread.id);
  expect(await snapshotCount()).toBe(before + 1);
  expect(outcome.message).toContain(`@${mm.admin.username}`);
  expect(outcome.message).toMatch(/finished in \d+ s/);
  expect(Object.keys((await listSnapshots(repository))[0].components)).toEqual(['db']); // newest first
});

test('a failing backup gives exactly one alert in the ops channel with step and fix and no secret, then one recovery post', async () => {
  await idle();
  const secret: string = JSON.parse(await fs.readFile(mm.configFile, 'utf8')).PluginSettings.Plugins[PLUGIN_ID].bridgesecret;
  await sql(`ALTER ROLE ${bridgeRole} NOLOGIN`);
  try {
    const failing = await route('/backups', adminAuth(), { method: 'POST', json: { only: ['db'] } });
    expect(failing.status).toBe(202);
    const alert = await until('the failure alert', async () => (await botPosts(opsChannelId)).find((p) => p.props.backup_dr_alert === 'backup-failed'));
    expect(alert.message).toMatch(/Step/);
    expect(alert.message).toMatch(/Fix/);
    for (const leaked of [secret, PASSPHRASE]) expect(alert.message).not.toContain(leaked);
  } finally {
    await sql(`ALTER ROLE ${bridgeRole} LOGIN`);
  }
  await idle();
  expect((await route('/backups', adminAuth(), { method: 'POST', json: { only: ['db'] } })).status).toBe(202);
  await until('the recovery post', async () => (await botPosts(opsChannelId)).some((p) => p.props.backup_dr_alert === 'backup-recovered'));
  const { body: members } = await mm.request<Array<{ user_id: string }>>('GET', `/api/v4/channels/${opsChannelId}/members`);
  expect(members.map((m) => m.user_id)).toContain(botUserId); // the bot joined the ops channel by itself
  await idle();
  await new Promise((r) => setTimeout(r, 1000)); // time for a duplicate, were there one
  const kinds = (await botPosts(opsChannelId)).map((p) => p.props.backup_dr_alert);
  expect(kinds).toEqual(['backup-failed', 'backup-recovered']);
});

test('the bridge stopped: the console route answers 502 BRIDGE_NOT_RUNNING and the plugin keeps running; a wrong secret gives BRIDGE_SECRET_MISMATCH', async () => {
  const loggedBefore = (await pluginLog('BRIDGE_NOT_RUNNING')).length;
  await bridge!.stop();
  const down = await route('/status', adminAuth());
  expect(down.status).toBe(502);
  expect(await down.json()).toMatchObject({ error: 'BRIDGE_NOT_RUNNING', fix: expect.stringContaining('mmbackup') });
  const slash = await execute('/backup status', mm.admin.token);
  expect(slash.text).toContain('BRIDGE_NOT_RUNNING');
  const { body: statuses } = await mm.request<Array<{ plugin_id: string; state: number }>>('GET', '/api/v4/plugins/statuses');
  expect(statuses.find((s) => s.plugin_id === PLUGIN_ID)?.state).toBe(2);
  for (let i = 0; i < 3; i++) expect((await route('/status', adminAuth())).status).toBe(502);
  // Five refusals and the event stream's reconnects: at most one new plugin log line (one a minute per kind).
  const logged = await pluginLog('BRIDGE_NOT_RUNNING');
  expect(logged.length).toBeGreaterThanOrEqual(1);
  expect(logged.length - loggedBefore).toBeLessThanOrEqual(1);

  const secret: string = JSON.parse(await fs.readFile(mm.configFile, 'utf8')).PluginSettings.Plugins[PLUGIN_ID].bridgesecret;
  await restartBridge({ MMBACKUP_BRIDGE_SECRET: `wrong-${randomBytes(8).toString('hex')}` });
  const mismatch = await route('/status', adminAuth());
  const text = await mismatch.text();
  expect(mismatch.status).toBe(502);
  expect(JSON.parse(text)).toMatchObject({ error: 'BRIDGE_SECRET_MISMATCH' });
  expect(text).not.toContain(secret);

  await bridgeUp(); // and back: the plugin follows it again without being touched
});

test('the bridge on a unix socket: the plugin follows a changed Bridge URL at once', async () => {
  const setBridgeUrl = async (url: string) => {
    // As the System Console saves it: the whole config back, with this one plugin setting changed.
    const { body: config } = await mm.request<any>('GET', '/api/v4/config');
    config.PluginSettings.Plugins[PLUGIN_ID].bridgeurl = url;
    await mm.request('PUT', '/api/v4/config', { json: config });
  };
  const socket = `unix:${path.join(work, 'bridge.sock')}`;
  const connectedBefore = (await pluginLog('connected')).length;
  await restartBridge({}, socket);
  await setBridgeUrl(socket);
  await until('the plugin to reach the bridge on its socket', async () => (await route('/status', adminAuth())).status === 200);
  await until('the plugin to follow the bridge\'s events on the socket', async () => (await pluginLog('connected')).length > connectedBefore);
  const started = await route('/backups', adminAuth(), { method: 'POST', json: { only: ['config'] } });
  expect(started.status).toBe(202);
  await idle();

  await bridge!.stop();
  const down = await route('/status', adminAuth());
  expect(down.status).toBe(502);
  expect(await down.json()).toMatchObject({ error: 'BRIDGE_NOT_RUNNING', message: expect.stringContaining('bridge.sock') });
  await setBridgeUrl(`http://127.0.0.1:${bridgePort}`);
});
