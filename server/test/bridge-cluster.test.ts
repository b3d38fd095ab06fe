/**
 * Two bridges on one Mattermost database, as on a two-node cluster: both schedule the same jobs, and the
 * database lock elects one per slot, so each scheduled run happens exactly once. When one bridge stops,
 * the other keeps serving the schedule. An alert both see on their own timers (overdue, repository
 * unreachable) leaves both with the same id, so the plugin on each node claims it once and posts it once.
 */
import { promises as fs } from 'node:fs';
import { serve, type RunningBridge } from '../src/bridge/serve';
import { LocalDestination } from '../src/destinations/local';
import { passphraseSecret } from '../src/repository/keys';
import { Repository } from '../src/repository/repository';
import { listSnapshots } from '../src/repository/snapshots';
import { createInstallation, PASSPHRASE, type TestInstallation } from './support/installation';
import { PluginClient } from './support/plugin';

/** Every 6 seconds (a divisor of 60, so slots are whole multiples of 6 s of epoch time): long enough for a database-only backup of the small installation to finish in one slot. */
const EVERY_6S = '*/6 * * * * *';
const SLOT_MS = 6_000;

let inst: TestInstallation;
let repository: Repository;
const SECRET = 'cluster-wide-plugin-secret-0123';
const bridges: Array<{ name: string; running: RunningBridge; log: string[] }> = [];

async function startBridge(name: string): Promise<{ name: string; running: RunningBridge; log: string[] }> {
  const log: string[] = [];
  const running = await serve({
    repository,
    secret: passphraseSecret(PASSPHRASE),
    installation: { source: inst.configFile, env: {} },
    env: { MMBACKUP_LISTEN: '127.0.0.1:0' },
    log: (line) => log.push(line),
    settingsPollMs: 150,
    overdueCheckMs: 200,
    repositoryCheckMs: 200,
  });
  const entry = { name, running, log };
  bridges.push(entry);
  return entry;
}

const starts = (log: string[]) => log.filter((l) => /^backup: starting/.test(l)).length;
/** Start times of snapshots that share a schedule slot with another one: a slot served twice. */
function sharedSlots(snapshots: Array<{ startedAt: string }>): string[] {
  const slotOf = (s: { startedAt: string }) => Math.floor(Date.parse(s.startedAt) / SLOT_MS);
  return snapshots.filter((s) => snapshots.some((t) => t !== s && slotOf(t) === slotOf(s))).map((s) => s.startedAt);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The snapshots and the runs started, read while no bridge runs a backup: a slot can begin while the
 * repository is being listed, so the two are read again until neither changed meanwhile.
 */
async function settled(xs: Array<{ running: RunningBridge; log: string[] }>): Promise<{ snapshots: Awaited<ReturnType<typeof listSnapshots>>; runs: number }> {
  const runsStarted = () => xs.reduce((sum, x) => sum + starts(x.log), 0);
  const busy = () => xs.some((x) => x.running.bridge.runner.isBusy());
  for (;;) {
    while (busy()) await sleep(100);
    const runs = runsStarted();
    const snapshots = await listSnapshots(repository);
    if (!busy() && runsStarted() === runs) return { snapshots, runs };
  }
}

beforeAll(async () => {
  inst = await createInstallation('postgres', { posts: 100 });
  repository = await Repository.init(new LocalDestination(inst.repo), passphraseSecret(PASSPHRASE));
  // Drill and prune far away: this test is about the backup slots (prune runs after each backup anyway).
  await writePluginSettings({ BackupSchedule: EVERY_6S });
});

async function writePluginSettings(settings: Record<string, unknown>): Promise<void> {
  const config = JSON.parse(await fs.readFile(inst.configFile, 'utf8'));
  config.PluginSettings.Plugins = { 'backup-dr': { bridgesecret: SECRET, Components: 'db', DrillSchedule: '0 4 1 1 *', KeepLast: 0, KeepDaily: 0, KeepWeekly: 0, KeepMonthly: 0, KeepYearly: 0, ...settings } };
  await fs.writeFile(inst.configFile, JSON.stringify(config, null, 2));
}

afterAll(async () => {
  for (const b of bridges) await b.running.stop();
  await inst?.cleanup();
});

test('two bridges on one database run each scheduled backup once, and one carries on when the other stops', async () => {
  const a = await startBridge('a');
  const b = await startBridge('b');
  // Let four slots pass with both bridges up.
  await sleep(4 * SLOT_MS + 1_000);

  const { snapshots, runs } = await settled([a, b]);
  // One snapshot per run, and never two runs in one slot.
  expect(snapshots).toHaveLength(runs);
  expect(sharedSlots(snapshots)).toEqual([]);
  // The start-up run plus one per slot that passed: at least four runs, and the other bridge stood back.
  expect(runs).toBeGreaterThanOrEqual(4);
  expect([...a.log, ...b.log].some((l) => /backup: skipped, (another bridge runs it|already run)/.test(l))).toBe(true);

  // The bridge that is not running anything stops; the other one serves the next slots alone.
  await a.running.stop();
  bridges.splice(bridges.indexOf(a), 1);
  const before = starts(b.log);
  await sleep(2 * SLOT_MS + 1_000);
  while (b.running.bridge.runner.isBusy()) await sleep(100);
  expect(starts(b.log) - before).toBeGreaterThanOrEqual(2);
  const after = await listSnapshots(repository);
  expect(sharedSlots(after)).toEqual([]);
}, 90_000);

test('an alert both bridges raise on their own timers carries the same id on both', async () => {
  for (const b of bridges.splice(0)) await b.running.stop();
  // No scheduled backup soon, and a recovery point objective of about a second: both find it overdue.
  await writePluginSettings({ BackupSchedule: '0 3 1 1 *', RpoHours: 0.0003 });
  const nodes = [await startBridge('a'), await startBridge('b')];
  for (const x of nodes) while (x.running.bridge.runner.isBusy()) await sleep(100);
  const streams = await Promise.all(nodes.map((x) => new PluginClient(x.running.url, SECRET).follow()));
  const alerts = (kind: string) => streams.map((s) => s.of('alert').filter((a) => a.kind === kind).map((a) => a.id));
  for (const s of streams) await s.until('the overdue alert', () => s.of('alert').some((a) => a.kind === 'backup-overdue'));
  const [overdueA, overdueB] = alerts('backup-overdue');
  expect(overdueA).toHaveLength(1);
  expect(overdueB).toEqual(overdueA);

  await fs.rename(inst.repo, `${inst.repo}.away`);
  try {
    for (const s of streams) await s.until('the repository alert', () => s.of('alert').some((a) => a.kind === 'repository-unreachable'));
  } finally {
    await fs.rename(`${inst.repo}.away`, inst.repo);
  }
  const [unreachableA, unreachableB] = alerts('repository-unreachable');
  expect(unreachableA).toHaveLength(1);
  expect(unreachableB).toEqual(unreachableA);
  for (const s of streams) await s.until('the recovery alert', () => s.of('alert').some((a) => a.kind === 'repository-recovered'));
  expect(alerts('repository-recovered')[1]).toEqual(alerts('repository-recovered')[0]);
  for (const s of streams) await s.stop();
}, 60_000);
