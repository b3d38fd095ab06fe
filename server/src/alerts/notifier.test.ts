/**
 * AlertNotifier against the spec-checked Mattermost test server, through the real MattermostApi: what reaches the
 * ops channel, how often, and that a missing channel is reported instead of thrown. Every request must conform
 * to the official OpenAPI description (problems stays empty).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MmBackupError } from '../common/errors';
import { clearSecretsForTests, registerSecret } from '../common/redact';
import { MattermostApi } from '../mattermost-api/client';
import { startMattermostTestServer, type MattermostTestServer } from '../../test/support/mattermost/server';
import { AlertNotifier, type AlertNotifierOptions, DEFAULT_REPEAT_AFTER_MS } from './notifier';

const HOUR = 3_600_000;
const SECRET = 'db-Pa55w0rd-9f8e7d';

let mm: MattermostTestServer;
let api: MattermostApi;
let botId: string;
let alertsId: string;
let now: number;
let logged: string[];

beforeEach(async () => {
  mm = await startMattermostTestServer();
  const bot = mm.state.addBot({ username: 'backup-bot' });
  botId = bot.user.id;
  const team = mm.state.addTeam('ops');
  mm.state.addTeamMember(team.id, botId);
  alertsId = mm.state.addChannel(team.id, 'alerts').id;
  api = new MattermostApi({ siteUrl: mm.url, botToken: bot.token });
  now = Date.parse('2024-05-02T03:00:00Z');
  logged = [];
});

afterEach(async () => {
  await mm.stop();
  expect(mm.problems).toEqual([]);
  clearSecretsForTests();
});

function notifier(options: Partial<AlertNotifierOptions> = {}): AlertNotifier {
  return new AlertNotifier({ api, team: 'ops', channel: 'alerts', botUserId: botId, clock: () => now, log: (l) => logged.push(l), ...options });
}

function dumpFailure(code = 'PG_DUMP_FAILED'): MmBackupError {
  registerSecret(SECRET);
  return new MmBackupError({
    step: 'dump-db', code, message: `pg_dump exited 1: password ${SECRET} rejected for user mmuser`,
    fix: 'check the database password in the Mattermost config',
  });
}

const failedRun = (code?: string) => ({ components: ['db', 'config', 'files'], error: dumpFailure(code), logTail: [`connecting with password=${SECRET}`, 'pg_dump: error'] });
const snapshot = { id: '4f2a9c01d3e5b7a8', durationMs: 60_000, totals: { size: 1024 ** 3 } };

/** The attachments of the bot's posts in the ops channel, oldest first. */
function alerts(): Array<{ title: string; text: string; fields: Array<{ title: string; value: string }> }> {
  return mm.state.posts.filter((p) => p.channel_id === alertsId && p.user_id === botId)
    .flatMap((p) => (p.props.attachments ?? []) as Array<{ title: string; text: string; fields: Array<{ title: string; value: string }> }>);
}

it('a failure posts exactly one alert with step and fix and no secret, joining the channel first', async () => {
  expect(mm.state.isChannelMember(alertsId, botId)).toBe(false);
  expect(await notifier().failed(failedRun())).toEqual({ result: 'posted' });
  expect(mm.state.isChannelMember(alertsId, botId)).toBe(true);
  const [alert, ...rest] = alerts();
  expect(rest).toEqual([]);
  expect(alert.title).toBe('Backup failed at step dump-db');
  expect(alert.fields).toContainEqual(expect.objectContaining({ title: 'Step', value: 'dump-db' }));
  expect(alert.text).toContain('**Fix:** check the database password in the Mattermost config');
  expect(JSON.stringify(mm.requests)).not.toContain(SECRET);
  expect(JSON.stringify(mm.state.posts)).not.toContain(SECRET);
});

it('the same failure within repeatAfterMs posts nothing; after it, once more', async () => {
  const alertsOut = notifier();
  await alertsOut.failed(failedRun());
  now += DEFAULT_REPEAT_AFTER_MS - 1;
  expect(await alertsOut.failed(failedRun())).toMatchObject({ result: 'suppressed' });
  expect(alerts()).toHaveLength(1);
  now += 1;
  expect(await alertsOut.failed(failedRun())).toEqual({ result: 'posted' });
  expect(alerts()).toHaveLength(2);
  expect(alerts()[1].fields).toContainEqual(expect.objectContaining({ title: 'Failed runs in a row', value: '3' }));
});

it('a different failure while one is ongoing is posted too', async () => {
  const alertsOut = notifier();
  await alertsOut.failed(failedRun('PG_DUMP_FAILED'));
  await alertsOut.failed(failedRun('REPO_LOCKED'));
  expect(alerts()).toHaveLength(2);
});

it('concurrent reports of one problem post once', async () => {
  const alertsOut = notifier();
  const outcomes = await Promise.all([alertsOut.failed(failedRun()), alertsOut.failed(failedRun()), alertsOut.failed(failedRun())]);
  expect(outcomes.map((o) => o.result).sort()).toEqual(['posted', 'suppressed', 'suppressed']);
  expect(alerts()).toHaveLength(1);
});

it('recovery posts once after a posted failure, with the count and the new snapshot, and ends the problem', async () => {
  const alertsOut = notifier();
  await alertsOut.failed(failedRun());
  await alertsOut.failed(failedRun());
  expect(await alertsOut.recovered({ snapshot })).toEqual({ result: 'posted' });
  expect(await alertsOut.recovered({ snapshot })).toMatchObject({ result: 'suppressed' });
  expect(alerts().map((a) => a.title)).toEqual(['Backup failed at step dump-db', 'Backup succeeded after 2 failed runs']);
  expect(alerts()[1].text).toContain(snapshot.id);
  expect(alertsOut.status().ongoing).toEqual([]);
  // Ended, so the same failure now is a new problem and posts at once.
  expect(await alertsOut.failed(failedRun())).toEqual({ result: 'posted' });
});

it('a success with nothing posted before posts nothing', async () => {
  expect(await notifier().recovered({ snapshot })).toMatchObject({ result: 'suppressed' });
  expect(mm.requests).toEqual([]);
});

it('overdue posts once per repeat period, and a success after it posts recovered', async () => {
  const alertsOut = notifier({ repeatAfterMs: 2 * HOUR });
  const overdue = () => alertsOut.overdue({ lastSuccessAt: new Date(now - 30 * HOUR), now: new Date(now), rpoHours: 24 });
  expect(await overdue()).toEqual({ result: 'posted' });
  now += HOUR;
  expect(await overdue()).toMatchObject({ result: 'suppressed' });
  now += HOUR;
  expect(await overdue()).toEqual({ result: 'posted' });
  expect(await alertsOut.recovered({ snapshot })).toEqual({ result: 'posted' });
  expect(alerts().map((a) => a.title)).toEqual([
    'No successful backup within the RPO threshold', 'No successful backup within the RPO threshold', 'Backup succeeded after being overdue',
  ]);
  expect(alerts()[0].text).toContain('No successful backup for 30 h: the RPO threshold is 24 h.');
});

it('drill and repository problems post once each and end silently when resolved', async () => {
  const alertsOut = notifier();
  const drill = () => alertsOut.drillFailed({ snapshotId: snapshot.id, mismatches: ['table Posts: 1200 rows, expected 1201'] });
  const full = () => alertsOut.repositoryProblem({ kind: 'nearly-full', location: '/srv/backup', freeBytes: 1024 ** 3, estimateBytes: 512 * 1024 ** 2 });
  await drill();
  await drill();
  await full();
  await full();
  expect(alerts()).toHaveLength(2);
  await alertsOut.resolved('drill');
  expect(alertsOut.status().ongoing.map((p) => p.key)).toEqual(['repository:NEARLY_FULL']);
  expect(await drill()).toEqual({ result: 'posted' });
  expect(alerts()).toHaveLength(3);
});

it('looks up the channel once and the bot id with me() when not given', async () => {
  const alertsOut = notifier({ botUserId: undefined });
  await alertsOut.failed(failedRun());
  await alertsOut.drillFailed({ snapshotId: 'abc', mismatches: ['x'] });
  const calls = mm.requests.map((r) => `${r.method} ${r.path}`);
  expect(calls.filter((c) => c.includes('/channels/name/'))).toHaveLength(1);
  expect(calls.filter((c) => c === 'GET /api/v4/users/me')).toHaveLength(1);
  expect(alerts()).toHaveLength(2);
  expect(alertsOut.status().channelId).toBe(alertsId);
});

it('does not try to join when the bot is already a member', async () => {
  mm.state.addChannelMember(alertsId, botId);
  await notifier().failed(failedRun());
  expect(mm.requests.map((r) => r.operationId)).not.toContain('AddChannelMember');
  expect(alerts()).toHaveLength(1);
});

it('an unknown channel is reported, not thrown, and the problem posts once the channel exists', async () => {
  const alertsOut = notifier({ channel: 'nope' });
  const outcome = await alertsOut.failed(failedRun());
  expect(outcome).toMatchObject({ result: 'failed', error: { code: 'ALERT_CHANNEL_NOT_FOUND' } });
  expect(outcome.result === 'failed' && outcome.error.fix).toMatch(/create the channel ~nope in team ops/);
  expect(alertsOut.status().lastError).toMatchObject({ code: 'ALERT_CHANNEL_NOT_FOUND', at: new Date(now) });
  expect(logged.join('\n')).toMatch(/alert not posted to ops\/nope/);
  expect(logged.join('\n')).not.toContain(SECRET);

  mm.state.addChannel([...mm.state.teams.values()][0].id, 'nope');
  expect(await alertsOut.failed(failedRun())).toEqual({ result: 'posted' });
  expect(alertsOut.status().lastError).toBeUndefined();
});

it('an unknown team and an unreachable Mattermost are reported, not thrown', async () => {
  expect(await notifier({ team: 'nope' }).overdue({ now: new Date(now), rpoHours: 24 }))
    .toMatchObject({ result: 'failed', error: { code: 'ALERT_CHANNEL_NOT_FOUND' } });
  const down = new MattermostApi({ siteUrl: await closedPortUrl(), botToken: 'unused-token-1234' });
  expect(await notifier({ api: down }).failed(failedRun())).toMatchObject({ result: 'failed', error: { code: 'MM_UNREACHABLE' } });
});

it('a bot that may not join is reported with the permission to grant', async () => {
  const team = [...mm.state.teams.values()][0];
  const privateId = mm.state.addChannel(team.id, 'private-ops', 'P').id;
  const outcome = await notifier({ channel: 'private-ops' }).failed(failedRun());
  // A plain bot cannot even read a private channel it is not in: Mattermost answers 403 to the lookup.
  expect(outcome).toMatchObject({ result: 'failed', error: { code: 'MM_FORBIDDEN', fix: expect.stringMatching(/read_channel/) } });
  expect(mm.state.posts.filter((p) => p.channel_id === privateId)).toEqual([]);
});

/** A loopback URL nothing listens on: a port the system just handed out and that is closed again. */
async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
