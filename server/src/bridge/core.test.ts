/**
 * The bridge core on the real pieces: a generated Mattermost on the real PostgreSQL, a local repository,
 * real backups, verifies and drills. What the System Console reads: a failure and what clears it, the
 * progress of a running backup, verification and drill outcomes with the restore time, a drill failure
 * that outlives a restart, and, over HTTP, that no answer carries the database password or the passphrase.
 */
import type * as http from 'node:http';
import { createApiServer, listenApiServer } from '../api/server';
import { EventHub } from '../api/events';
import { loadInstallation } from '../mattermost/installation';
import type { MattermostInstallation } from '../mattermost/types';
import { LocalDestination } from '../destinations/local';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import type { JobStatus } from '../schedule/runner';
import { loadSettings } from '../settings/load';
import { createInstallation, DB_PASSWORD, PASSPHRASE, type TestInstallation } from '../../test/support/installation';
import { Bridge } from './core';

let inst: TestInstallation;
let repository: Repository;
let installation: MattermostInstallation;
/** What the next job reads as Mattermost's config: a broken database to make jobs fail. */
let current: MattermostInstallation;
const logs: string[] = [];

function newBridge(): Bridge {
  const settings = loadSettings({ installation, env: {} });
  return new Bridge({
    repository, secret: passphraseSecret(PASSPHRASE), installation, settings,
    reloadInstallation: async () => current,
    sinks: { log: (line) => logs.push(line) }, events: new EventHub({ version: 'test' }), log: (line) => logs.push(line),
  });
}

const broken = () => ({ ...installation, database: { ...installation.database, port: 1 } });

async function run(bridge: Bridge, start: () => Promise<{ jobId: string }>): Promise<string> {
  const { jobId } = await start();
  await bridge.waitFor(jobId);
  await bridge.refresh();
  return jobId;
}

let bridge: Bridge;

beforeAll(async () => {
  inst = await createInstallation('postgres', { extraFiles: 20 });
  repository = await Repository.init(new LocalDestination(inst.repo), passphraseSecret(PASSPHRASE));
  installation = await loadInstallation({ source: inst.configFile, env: {} });
  current = installation;
  bridge = newBridge();
  await bridge.refresh();
});
afterAll(async () => {
  await inst?.cleanup();
});

test('a failed backup is the last failure and makes it failing; a later backup clears it; progress shows while it runs', async () => {
  current = broken();
  const failedId = await run(bridge, () => bridge.startBackup(['db']));
  const failing = await bridge.status();
  expect(failing.lastFailure).toMatchObject({ jobId: failedId, kind: 'backup', step: expect.any(String), message: expect.stringMatching(/127\.0\.0\.1:1|connect/) });
  expect(failing.health).toBe('failing');
  expect(failing.healthReasons[0]).toMatch(/^The last backup failed at step /);
  expect(failing.warnings).toEqual([]);

  current = installation;
  const seen: JobStatus[] = [];
  const { jobId } = await bridge.startBackup();
  // Info lines come at the end of each capture: by then the estimates made at the start are in.
  bridge.subscribeLog(jobId, { line: (l) => void (l.level === 'info' && seen.push(bridge.runner.current()!)) });
  await bridge.waitFor(jobId);
  await bridge.refresh();
  const dump = seen.find((s) => s.step === 'dump-db')!;
  const files = seen.find((s) => s.step === 'files')!;
  expect(dump).toMatchObject({ stepIndex: 2, stepCount: 6 }); // preflight, db, config, files, manifest, prune
  expect(files).toMatchObject({ stepIndex: 4, stepCount: 6 });
  expect(files.bytesTotal).toBeGreaterThan(0);
  expect(files.bytesDone).toBeLessThanOrEqual(files.bytesTotal!);
  // The first dump's estimate asks the database server and may arrive after a small dump ended; from then on
  // the previous dump's size is known at once.
  const previousDump = (await bridge.listBackups())[0];
  const again: JobStatus[] = [];
  const second = await bridge.startBackup();
  bridge.subscribeLog(second.jobId, { line: (l) => void (l.level === 'info' && again.push(bridge.runner.current()!)) });
  await bridge.waitFor(second.jobId);
  const dumpAgain = again.find((s) => s.step === 'dump-db')!;
  expect(dumpAgain).toMatchObject({ stepIndex: 2, stepCount: 6 });
  expect(dumpAgain.bytesTotal).toBe((await bridge.getBackup(previousDump.id)).components.db!.dump.size);

  const cleared = await bridge.status();
  expect(cleared.lastFailure).toBeNull();
  expect(cleared.lastSuccess?.snapshotId).toBeDefined();
  expect(cleared.health).toBe('warning');
  expect(cleared.healthReasons).toEqual(['No snapshot has passed a read-back verification or a restore drill yet.']);
}, 120_000);

test('a verify and a drill show on the snapshot; the drill\'s measured restore time reaches the status', async () => {
  const [latest] = await bridge.listBackups();
  await run(bridge, () => bridge.startVerify(latest.id));
  await bridge.runScheduledDrill();
  const [after] = await bridge.listBackups();
  expect(after.id).toBe(latest.id);
  expect(after.verification).toEqual({ ok: true, at: expect.any(String), readData: true });
  expect(after.drill).toEqual({ ok: true, at: expect.any(String), restoreDurationMs: expect.any(Number) });
  expect(after.drill!.restoreDurationMs).toBeGreaterThan(0);
  expect(after.verifiedAt).toBe(after.drill!.at);
  // The drill schedule's record in the repository, which keeps another bridge from running this slot again.
  expect(bridge.lastDrillAt()?.toISOString()).toBe(after.drill!.at);
  expect(after.restoreCommands).toEqual([
    `mmbackup restore ${after.id} --repo ${inst.repo}`,
    `mmbackup restore ${after.id} --only db --repo ${inst.repo}`,
    `mmbackup restore ${after.id} --only config --repo ${inst.repo}`,
    `mmbackup restore ${after.id} --only files --repo ${inst.repo}`,
  ]);
  const status = await bridge.status();
  expect(status.lastVerified).toEqual({ snapshotId: after.id, at: after.drill!.at, drill: true, restoreDurationMs: after.drill!.restoreDurationMs });
  expect(status.health).toBe('healthy');
  expect(status.healthReasons).toEqual([]);
}, 120_000);

test('a failed drill is recorded in the repository: after a restart it is still the last failure, until a drill passes', async () => {
  current = broken();
  await bridge.runScheduledDrill();
  current = installation;
  const restarted = newBridge(); // the runner's memory is gone; the record is not
  await restarted.refresh();
  const status = await restarted.status();
  expect(status.lastFailure).toMatchObject({ kind: 'drill', step: 'restore-db', message: expect.stringMatching(/cannot reach the PostgreSQL server/), jobId: expect.stringMatching(/^drill-/) });
  expect(status.health).toBe('failing');
  const [latest] = await restarted.listBackups();
  expect(latest.drill).toMatchObject({ ok: false, restoreDurationMs: null });
  expect(latest.verifiedAt).toBe(latest.verification!.at); // the failed drill no longer counts as verified

  await restarted.runScheduledDrill();
  expect((await restarted.status()).lastFailure).toBeNull();
  bridge = restarted;
}, 120_000);

test('over HTTP: every console endpoint answers, and no answer holds the database password or the passphrase', async () => {
  const secret = 'plugin-secret-for-core-test';
  const server: http.Server = createApiServer({ core: bridge, secret: () => secret, log: () => undefined });
  const { url } = await listenApiServer(server, 0);
  try {
    const bodies: string[] = [];
    const call = async (path: string, method = 'GET') => {
      const res = await fetch(`${url}${path}`, { method, headers: { 'X-MMBackup-Secret': secret } });
      const text = await res.text();
      bodies.push(text);
      expect(res.status).toBe(200);
      return JSON.parse(text);
    };
    expect(await call('/api/v1/status')).toMatchObject({ health: 'healthy', lastFailure: null });
    expect((await call('/api/v1/backups'))[0].restoreCommands).toHaveLength(4);
    expect(await call('/api/v1/schedule/preview?count=2')).toMatchObject({ valid: true, description: 'every day at 03:00 (UTC)' });
    const retention = await call('/api/v1/retention/preview?keepLast=1&keepDaily=0&keepWeekly=0&keepMonthly=0');
    expect(retention).toEqual({ description: 'keep last 1 (calendar in UTC)', snapshots: [
      expect.objectContaining({ keep: true, reasons: ['last 1 snapshot'] }),
      expect.objectContaining({ keep: false, reasons: ['no rule keeps it: not among the last 1'] }),
    ] });
    expect(await call('/api/v1/destinations')).toEqual({ destinations: [{ role: 'primary', kind: 'local', location: inst.repo }], encryption: { keyFingerprint: repository.fingerprint } });
    expect((await call('/api/v1/destinations/test', 'POST')).results).toEqual([expect.objectContaining({ role: 'primary', ok: true })]);
    await call('/api/v1/settings');
    for (const body of [...bodies, ...logs]) {
      expect(body).not.toContain(DB_PASSWORD);
      expect(body).not.toContain(PASSPHRASE);
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}, 60_000);
