import { defaultSettings, type Settings } from '../settings/schema';
import type { LeadershipHandle } from './leader';
import { Scheduler, type ScheduledJob, type SchedulerOptions } from './scheduler';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const EVERY_SECOND = '* * * * * *'; // the 6-field, second-precision form
const NEVER_SOON = '0 3 1 1 *';

interface Harness {
  scheduler: Scheduler;
  calls: ScheduledJob[];
  lines: string[];
  released: number;
}

let current: Scheduler | undefined;
afterEach(() => current?.stop());

function harness(settings: Partial<Settings>, over: Partial<SchedulerOptions> = {}): Harness {
  const h = { calls: [] as ScheduledJob[], lines: [] as string[], released: 0 } as Harness;
  const held = (): LeadershipHandle => ({ held: true, release: async () => void h.released++ });
  const job = (name: ScheduledJob) => async () => void h.calls.push(name);
  h.scheduler = new Scheduler({
    settings: { ...defaultSettings(), backupSchedule: NEVER_SOON, drillSchedule: NEVER_SOON, ...settings },
    tryLeadership: async () => held(),
    isBusy: () => false,
    onBackupDue: job('backup'),
    onDrillDue: job('drill'),
    onPruneDue: job('prune'),
    lastRunAt: async () => new Date(),
    log: (line) => h.lines.push(line),
    ...over,
  });
  current = h.scheduler;
  return h;
}

test('a real every-second schedule fires, once per slot, and stops with stop()', async () => {
  const h = harness({ backupSchedule: EVERY_SECOND });
  await h.scheduler.start();
  await sleep(2600);
  const fired = h.calls.filter((c) => c === 'backup').length;
  // The start-up catch-up (the seeded last run is a second old by then), then one per second boundary.
  expect(fired).toBeGreaterThanOrEqual(2);
  expect(fired).toBeLessThanOrEqual(4);
  expect(h.released).toBe(fired);
  h.scheduler.stop();
  await sleep(1200);
  expect(h.calls.filter((c) => c === 'backup')).toHaveLength(fired);
});

test('two schedulers in one process (two bridges, as the cluster test runs them) both fire', async () => {
  const first = harness({ backupSchedule: EVERY_SECOND });
  const second = harness({ backupSchedule: EVERY_SECOND });
  try {
    await first.scheduler.start();
    await second.scheduler.start();
    await sleep(2200);
    expect(first.calls.filter((c) => c === 'backup').length).toBeGreaterThanOrEqual(2);
    expect(second.calls.filter((c) => c === 'backup').length).toBeGreaterThanOrEqual(2);
  } finally {
    first.scheduler.stop();
    second.scheduler.stop();
  }
});

test('at start: an overdue backup runs, a job whose slot has not come does not', async () => {
  const now = new Date('2026-01-10T12:00:00Z');
  const last: Record<ScheduledJob, Date | undefined> = { backup: new Date('2026-01-09T03:00:00Z'), drill: new Date('2026-01-04T04:00:00Z'), prune: undefined };
  const h = harness({ backupSchedule: '0 3 * * *', drillSchedule: '0 4 * * sun' }, { now: () => now, lastRunAt: async (job) => last[job] });
  await h.scheduler.start();
  expect(h.calls).toEqual(['backup']);
  expect(h.lines).toContain('backup: starting (catch-up: a scheduled run was missed)');
});

test('at start: a backup that never ran is due; a drill that never ran waits for its slot', async () => {
  const h = harness({ backupSchedule: '0 3 * * *', drillSchedule: '0 4 * * sun' }, { lastRunAt: async () => undefined });
  await h.scheduler.start();
  expect(h.calls).toEqual(['backup']);
});

test('skips, with one log line, when another bridge leads or the runner is busy', async () => {
  const notHeld = harness({ backupSchedule: EVERY_SECOND }, { tryLeadership: async () => ({ held: false, release: async () => undefined }) });
  await notHeld.scheduler.start();
  await sleep(1500);
  notHeld.scheduler.stop();
  expect(notHeld.calls).toEqual([]);
  expect(notHeld.lines).toEqual(['backup: skipped, another bridge runs it']);

  const busy = harness({ backupSchedule: EVERY_SECOND }, { isBusy: () => true });
  await busy.scheduler.start();
  await sleep(1500);
  expect(busy.calls).toEqual([]);
  expect(busy.lines).toEqual(['backup: skipped, another job is running; it runs when that one ends']);
});

test('skips a slot another bridge already ran (shared record), and releases leadership', async () => {
  const now = new Date('2026-01-10T12:00:00Z');
  // At start the record says yesterday; by the time this bridge holds the lock another one has run today's slot.
  const records = [new Date('2026-01-09T03:00:00Z'), new Date('2026-01-10T03:00:05Z')];
  let backupReads = 0;
  const lastRunAt = async (job: ScheduledJob) => (job === 'backup' ? records[Math.min(backupReads++, 1)] : now);
  const h = harness({ backupSchedule: '0 3 * * *' }, { now: () => now, lastRunAt });
  await h.scheduler.start();
  expect(h.calls).toEqual([]);
  expect(h.lines).toEqual(['backup: skipped, already run at 2026-01-10T03:00:05.000Z']);
  expect(h.released).toBe(1);
});

test('a leadership error skips the run and says why', async () => {
  const h = harness({}, { lastRunAt: async () => undefined, tryLeadership: async () => { throw new Error('cannot connect to Mattermost\'s database'); } });
  await h.scheduler.start();
  expect(h.calls).toEqual([]);
  expect(h.lines).toEqual(['backup: skipped, cannot take the cluster lock: cannot connect to Mattermost\'s database']);
});

test('changed settings reschedule: a new every-second backup fires, the old schedule is gone', async () => {
  const h = harness({});
  await h.scheduler.start();
  h.scheduler.update({ ...defaultSettings(), backupSchedule: EVERY_SECOND, drillSchedule: NEVER_SOON });
  await sleep(1500);
  expect(h.calls.filter((c) => c === 'backup').length).toBeGreaterThanOrEqual(1);
  expect(h.lines[0]).toBe('schedules changed: backup "* * * * * *", drill "0 3 1 1 *" (UTC)');
  h.scheduler.update({ ...defaultSettings(), backupSchedule: NEVER_SOON, drillSchedule: NEVER_SOON });
  await sleep(100);
  const fired = h.calls.length;
  await sleep(1200);
  expect(h.calls).toHaveLength(fired);
});

test('nextRuns lists each scheduled job; prune has none when it follows each backup', () => {
  const now = new Date('2026-01-10T12:00:00Z');
  const h = harness({ backupSchedule: '0 3 * * *', drillSchedule: '0 4 * * sun', timeZone: 'Europe/Berlin' }, { now: () => now });
  expect(h.scheduler.nextRuns(2)).toEqual({
    backup: [new Date('2026-01-11T02:00:00Z'), new Date('2026-01-12T02:00:00Z')],
    drill: [new Date('2026-01-11T03:00:00Z'), new Date('2026-01-18T03:00:00Z')],
  });
});

test('each slot is served once: an early cron fire counts for its slot, the catch-up never fires early', async () => {
  let now = new Date('2026-01-10T02:59:59.500Z');
  const h = harness({ backupSchedule: '0 3 * * *' }, { now: () => now, lastRunAt: async () => new Date('2026-01-09T03:00:00Z') });
  await h.scheduler.start();
  expect(h.calls).toEqual([]); // catch-up half a second before the slot
  await h.scheduler.fire('backup', 'scheduled'); // the timer a moment early
  expect(h.calls).toEqual(['backup']);
  now = new Date('2026-01-10T03:00:00.200Z');
  await h.scheduler.fire('backup', 'scheduled');
  await h.scheduler.fire('backup', 'catch-up');
  expect(h.calls).toEqual(['backup']);
  now = new Date('2026-01-11T03:00:00.000Z');
  await h.scheduler.fire('backup', 'catch-up');
  expect(h.calls).toEqual(['backup', 'backup']);
});

test('a run in a DST gap missed while the bridge was down is made up by the catch-up, from the end of the gap', async () => {
  // 02:30 does not exist in Berlin on 2026-03-29; the slot is served from 03:00 CEST (01:00Z).
  let now = new Date('2026-03-29T00:59:00Z');
  const h = harness({ backupSchedule: '30 2 * * *', timeZone: 'Europe/Berlin' }, { now: () => now, lastRunAt: async () => new Date('2026-03-28T01:30:00Z') });
  await h.scheduler.start();
  expect(h.calls).toEqual([]);
  now = new Date('2026-03-29T01:00:30Z');
  await h.scheduler.fire('backup', 'catch-up');
  expect(h.calls).toEqual(['backup']);
});
