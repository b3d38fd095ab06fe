/**
 * Two bridges on one Mattermost database, as on a two-node cluster: both schedule the same jobs, and the
 * database lock elects one per slot, so each scheduled run happens exactly once. When one bridge stops,
 * the other keeps serving the schedule.
 */
import { promises as fs } from 'node:fs';
import { serve, type RunningBridge } from '../src/bridge/serve';
import { LocalDestination } from '../src/destinations/local';
import { passphraseSecret } from '../src/repository/keys';
import { Repository } from '../src/repository/repository';
import { listSnapshots } from '../src/repository/snapshots';
import { createInstallation, PASSPHRASE, type TestInstallation } from './support/installation';
import { startMattermostTestServer, type MattermostTestServer } from './support/mattermost/server';

/** Every 6 seconds (a divisor of 60, so slots are whole multiples of 6 s of epoch time): long enough for a database-only backup of the small installation to finish in one slot. */
const EVERY_6S = '*/6 * * * * *';
const SLOT_MS = 6_000;

let inst: TestInstallation;
let mm: MattermostTestServer;
let repository: Repository;
let botToken: string;
const bridges: Array<{ name: string; running: RunningBridge; log: string[] }> = [];

async function startBridge(name: string): Promise<{ name: string; running: RunningBridge; log: string[] }> {
  const log: string[] = [];
  const running = await serve({
    repository,
    secret: passphraseSecret(PASSPHRASE),
    installation: { source: inst.configFile, env: {} },
    env: { MMBACKUP_BOT_TOKEN: botToken, MMBACKUP_LISTEN: '127.0.0.1:0', MMBACKUP_SLASH_URL: 'http://127.0.0.1:9/backup-dr/api/v1/slash' },
    log: (line) => log.push(line),
    settingsPollMs: 150,
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

beforeAll(async () => {
  inst = await createInstallation('postgres', { posts: 100 });
  mm = await startMattermostTestServer();
  const bot = mm.state.addBot({ username: 'backup-bot', permissions: ['manage_slash_commands', 'manage_system'] });
  botToken = bot.token;
  const team = mm.state.addTeam('ops');
  mm.state.addTeamMember(team.id, bot.user.id);
  mm.state.addChannel(team.id, 'backups');
  repository = await Repository.init(new LocalDestination(inst.repo), passphraseSecret(PASSPHRASE));
  const config = JSON.parse(await fs.readFile(inst.configFile, 'utf8'));
  config.ServiceSettings.SiteURL = mm.url;
  // Drill and prune far away: this test is about the backup slots (prune runs after each backup anyway).
  config.PluginSettings.Plugins = { 'backup-dr': { OpsTeam: 'ops', OpsChannel: 'backups', BackupSchedule: EVERY_6S, Components: 'db', DrillSchedule: '0 4 1 1 *', KeepLast: 0, KeepDaily: 0, KeepWeekly: 0, KeepMonthly: 0, KeepYearly: 0 } };
  await fs.writeFile(inst.configFile, JSON.stringify(config, null, 2));
});

afterAll(async () => {
  for (const b of bridges) await b.running.stop();
  await mm?.stop();
  await inst?.cleanup();
});

afterEach(() => {
  expect(mm.problems).toEqual([]);
});

test('two bridges on one database run each scheduled backup once, and one carries on when the other stops', async () => {
  const a = await startBridge('a');
  const b = await startBridge('b');
  // Let four slots pass with both bridges up.
  await sleep(4 * SLOT_MS + 1_000);
  for (const x of [a, b]) while (x.running.bridge.runner.isBusy()) await sleep(100);

  const snapshots = await listSnapshots(repository);
  const runs = starts(a.log) + starts(b.log);
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
