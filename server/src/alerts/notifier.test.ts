/**
 * AlertNotifier: which `alert` events leave it, how often, with which ids (the same on every node of a
 * cluster for the same event), and that no secret is in any of them.
 */
import type { AlertEvent } from '@backup-dr/wire';
import { MmBackupError } from '../common/errors';
import { clearSecretsForTests, registerSecret } from '../common/redact';
import { AlertNotifier, type AlertNotifierOptions, DEFAULT_REPEAT_AFTER_MS } from './notifier';

const HOUR = 3_600_000;
const SECRET = 'db-Pa55w0rd-9f8e7d';

let now: number;
let sent: AlertEvent[];

beforeEach(() => {
  now = Date.parse('2024-05-02T03:00:00Z');
  sent = [];
});

afterEach(() => clearSecretsForTests());

function notifier(options: Partial<AlertNotifierOptions> = {}, into: AlertEvent[] = sent): AlertNotifier {
  return new AlertNotifier({ publish: (alert) => into.push(alert), clock: () => now, ...options });
}

function dumpFailure(code = 'PG_DUMP_FAILED'): MmBackupError {
  registerSecret(SECRET);
  return new MmBackupError({
    step: 'dump-db', code, message: `pg_dump exited 1: password ${SECRET} rejected for user mmuser`,
    fix: 'check the database password in the Mattermost config',
  });
}

const failedRun = (jobId = 'backup-1', code?: string) => ({ jobId, components: ['db', 'config', 'files'], error: dumpFailure(code), logTail: [`connecting with password=${SECRET}`, 'pg_dump: error'] });
const snapshot = { id: '4f2a9c01d3e5b7a8', durationMs: 60_000, totals: { size: 1024 ** 3 } };

it('a failure sends one alert named by its job, with step, fix and the log tail, and no secret', async () => {
  expect(await notifier().failed(failedRun())).toEqual({ result: 'sent', id: 'backup-failed:backup-1' });
  expect(sent).toEqual([{ id: 'backup-failed:backup-1', kind: 'backup-failed', severity: 'error', message: expect.any(String) }]);
  const { message } = sent[0];
  expect(message).toMatch(/^:red_circle: \*\*Backup failed at step dump-db\*\*\n/);
  expect(message).toContain('**Fix:** check the database password in the Mattermost config');
  expect(message).toContain('**Step:** dump-db · **Code:** PG_DUMP_FAILED');
  expect(message).toContain('pg_dump: error');
  expect(JSON.stringify(sent)).not.toContain(SECRET);
});

it('the same failure within repeatAfterMs sends nothing; after it, once more', async () => {
  const alerts = notifier();
  await alerts.failed(failedRun('backup-1'));
  now += DEFAULT_REPEAT_AFTER_MS - 1;
  expect(await alerts.failed(failedRun('backup-2'))).toMatchObject({ result: 'suppressed' });
  now += 1;
  expect(await alerts.failed(failedRun('backup-3'))).toEqual({ result: 'sent', id: 'backup-failed:backup-3' });
  expect(sent).toHaveLength(2);
  expect(sent[1].message).toContain('**Failed runs in a row:** 3');
});

it('a different failure while one is ongoing is sent too; concurrent reports of one problem send once', async () => {
  const alerts = notifier();
  await alerts.failed(failedRun('backup-1', 'PG_DUMP_FAILED'));
  await alerts.failed(failedRun('backup-2', 'REPO_LOCKED'));
  expect(sent).toHaveLength(2);
  const again = notifier({}, []);
  const outcomes = await Promise.all([again.failed(failedRun('a')), again.failed(failedRun('b')), again.failed(failedRun('c'))]);
  expect(outcomes.map((o) => o.result).sort()).toEqual(['sent', 'suppressed', 'suppressed']);
});

it('recovery is sent once after an alerted failure, named by the snapshot, and ends the problem', async () => {
  const alerts = notifier();
  await alerts.failed(failedRun('backup-1'));
  await alerts.failed(failedRun('backup-2'));
  expect(await alerts.recovered({ snapshot })).toEqual({ result: 'sent', id: `backup-recovered:${snapshot.id}` });
  expect(await alerts.recovered({ snapshot })).toMatchObject({ result: 'suppressed' });
  expect(sent.map((a) => [a.kind, a.severity])).toEqual([['backup-failed', 'error'], ['backup-recovered', 'info']]);
  expect(sent[1].message).toContain('Backup succeeded after 2 failed runs');
  expect(alerts.ongoing()).toEqual([]);
  expect(await alerts.failed(failedRun('backup-3'))).toMatchObject({ result: 'sent' });
});

it('a success with nothing alerted before sends nothing', async () => {
  expect(await notifier().recovered({ snapshot })).toMatchObject({ result: 'suppressed' });
  expect(sent).toEqual([]);
});

it('overdue is sent once per repeat period with an id every node computes alike, and a success after it recovers', async () => {
  const lastSuccessAt = new Date(now - 30 * HOUR);
  const overdue = (alerts: AlertNotifier) => alerts.overdue({ lastSuccessAt, now: new Date(now), rpoHours: 24 });
  const alerts = notifier({ repeatAfterMs: 2 * HOUR });
  expect(await overdue(alerts)).toEqual({ result: 'sent', id: `backup-overdue:${lastSuccessAt.toISOString()}:3` });
  // Another node whose timer fires 20 minutes later sends the same id: the plugin posts it once.
  const otherNode: AlertEvent[] = [];
  now += 20 * 60_000;
  await overdue(notifier({ repeatAfterMs: 2 * HOUR }, otherNode));
  expect(otherNode.map((a) => a.id)).toEqual([sent[0].id]);
  now += 40 * 60_000;
  expect(await overdue(alerts)).toMatchObject({ result: 'suppressed' });
  now += HOUR;
  expect(await overdue(alerts)).toEqual({ result: 'sent', id: `backup-overdue:${lastSuccessAt.toISOString()}:4` });
  expect(await alerts.recovered({ snapshot })).toMatchObject({ result: 'sent' });
  expect(sent.map((a) => a.severity)).toEqual(['warning', 'warning', 'info']);
  expect(sent[0].message).toContain('No successful backup for 30 h: the RPO threshold is 24 h.');
  expect(sent[2].message).toContain('Backup succeeded after being overdue');
  const never = notifier({}, []);
  expect(await never.overdue({ now: new Date(now), rpoHours: 24 })).toMatchObject({ id: expect.stringMatching(/^backup-overdue:never:\d+$/) });
});

it('drill problems are sent once and end silently; repository problems end with a recovery alert', async () => {
  const alerts = notifier();
  const drill = (jobId: string) => alerts.drillFailed({ jobId, snapshotId: snapshot.id, mismatches: ['table Posts: 1200 rows, expected 1201'] });
  const full = () => alerts.repositoryProblem({ kind: 'nearly-full', location: '/srv/backup', freeBytes: 1024 ** 3, estimateBytes: 512 * 1024 ** 2 });
  await drill('drill-1');
  await drill('drill-2');
  await full();
  await full();
  expect(sent.map((a) => a.id)).toEqual(['drill-failed:drill-1', `repository-nearly-full:${Math.floor(now / DEFAULT_REPEAT_AFTER_MS)}`]);
  expect(await alerts.resolved('drill')).toMatchObject({ result: 'suppressed' });
  expect(alerts.ongoing().map((p) => p.key)).toEqual(['repository:NEARLY_FULL']);
  expect(await alerts.resolved('repository', '/srv/backup')).toEqual({ result: 'sent', id: `repository-recovered:${sent[1].id}` });
  expect(sent[2]).toMatchObject({ kind: 'repository-recovered', severity: 'info', message: expect.stringContaining('/srv/backup is reachable and has room again') });
  expect(await alerts.resolved('repository', '/srv/backup')).toMatchObject({ result: 'suppressed' });
  expect(await drill('drill-3')).toEqual({ result: 'sent', id: 'drill-failed:drill-3' });
});

it('an unreachable repository is named by its code and the repeat period; verify and prune failures by their job', async () => {
  const alerts = notifier();
  const error = new MmBackupError({ step: 'probe', code: 'S3_UNREACHABLE', message: 'connect ECONNREFUSED', fix: 'check the endpoint' });
  await alerts.repositoryProblem({ kind: 'unreachable', location: 's3://b/p', error });
  expect(sent[0]).toMatchObject({ id: `repository-unreachable:S3_UNREACHABLE:${Math.floor(now / DEFAULT_REPEAT_AFTER_MS)}`, severity: 'error' });
  await alerts.jobFailed({ jobId: 'verify-1', kind: 'verify', snapshotId: snapshot.id, error });
  await alerts.jobFailed({ jobId: 'prune-1', kind: 'prune', error });
  expect(sent.slice(1).map((a) => [a.id, a.kind])).toEqual([['verify-failed:verify-1', 'verify-failed'], ['prune-failed:prune-1', 'prune-failed']]);
  expect(sent[1].message).toContain(`Verification of snapshot ${snapshot.id} failed at step probe`);
});
