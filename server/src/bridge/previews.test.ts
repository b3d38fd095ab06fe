/**
 * Schedule preview (valid and invalid cron expressions and zones) and retention preview over snapshots
 * stored in a real local repository, with prune's safety rules (newest, newest verified) visible.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalDestination } from '../destinations/local';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import { listSnapshots, saveSnapshot, type SnapshotManifest } from '../repository/snapshots';
import { listVerifications, recordOutcome } from '../repository/verifications';
import { defaultSettings } from '../settings/schema';
import { previewPolicy, previewRetention, previewSchedule } from './previews';

const NOW = new Date('2026-01-10T12:00:00Z');

describe('previewSchedule', () => {
  test('a valid schedule: its words and its next runs in the zone', () => {
    expect(previewSchedule('0 3 * * *', 'UTC', 3, NOW)).toEqual({
      valid: true, description: 'At 03:00 (UTC)',
      nextRuns: ['2026-01-11T03:00:00.000Z', '2026-01-12T03:00:00.000Z', '2026-01-13T03:00:00.000Z'],
    });
    expect(previewSchedule('30 2 * * 1-5', 'Europe/Berlin', 1, NOW)).toEqual({
      valid: true, description: 'At 02:30, Monday through Friday (Europe/Berlin)', nextRuns: ['2026-01-12T01:30:00.000Z'],
    });
  });

  test.each([
    ['not a cron', 'UTC', /not a cron.*0 3 \* \* \*/],
    ['0 3 31 2 *', 'UTC', /not accepted by the scheduler|never matches a real date/],
    ['', 'UTC', /the schedule is empty/],
    ['0 3 * * *', 'Mars/Olympus', /"Mars\/Olympus" is not a time zone this system knows: use an IANA name/],
  ])('%j in %s is refused with the problem and the fix', (cron, zone, problem) => {
    const preview = previewSchedule(cron, zone, 5, NOW);
    expect(preview).toEqual({ valid: false, problem: expect.stringMatching(problem) });
  });
});

describe('previewPolicy', () => {
  const settings = { ...defaultSettings(), keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 0, keepWithin: '', timeZone: 'UTC' };

  test('the settings in force when nothing is asked', () => {
    expect(previewPolicy(settings, {})).toEqual({ timeZone: 'UTC', last: 3, daily: 7, weekly: 4, monthly: 12 });
  });

  test('asked values replace the settings; 0 and "" turn rules off; unlimited stays Infinity', () => {
    expect(previewPolicy(settings, { keepLast: 0, keepHourly: 24, keepDaily: Infinity, keepWithin: '30d', timeZone: 'Europe/Berlin' }))
      .toEqual({ timeZone: 'Europe/Berlin', hourly: 24, daily: Infinity, weekly: 4, monthly: 12, within: expect.objectContaining({ text: '30d' }) });
    expect(previewPolicy({ ...settings, keepWithin: '1y' }, { keepWithin: '' })).not.toHaveProperty('within');
  });
});

describe('previewRetention over a real repository', () => {
  let dir: string;
  let repo: Repository;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-preview-'));
    repo = await Repository.init(new LocalDestination(dir), passphraseSecret('preview passphrase'));
    // One snapshot a day for six days, each finishing ten minutes after it started.
    for (let day = 1; day <= 6; day++) {
      const started = new Date(Date.UTC(2026, 0, day, 3));
      await saveSnapshot(repo, manifest(`00000000000000${String(day).padStart(2, '0')}`, started));
    }
    await recordOutcome(repo, '0000000000000002', { kind: 'drill', ok: true, restoreDurationMs: 1000 });
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  test('keep last 2: the two newest by the policy, the newest verified one by the safety rule, the rest would go', async () => {
    const snapshots = await listSnapshots(repo);
    const preview = previewRetention(snapshots, await listVerifications(repo), { last: 2 }, NOW);
    expect(preview.description).toBe('keep last 2 (calendar in UTC)');
    expect(preview.snapshots.map((s) => [s.id.slice(-2), s.keep])).toEqual([['06', true], ['05', true], ['04', false], ['03', false], ['02', true], ['01', false]]);
    expect(preview.snapshots[0]).toEqual({ id: '0000000000000006', finishedAt: '2026-01-06T03:10:00.000Z', keep: true, reasons: ['last 2 snapshots'] });
    expect(preview.snapshots[4].reasons).toEqual([expect.stringMatching(/^safety: the newest verified snapshot is never removed \(passed drill at /)]);
    expect(preview.snapshots[2].reasons).toEqual(['no rule keeps it: not among the last 2']);
    expect(await listSnapshots(repo)).toHaveLength(6); // a preview removes nothing
  });

  test('an empty policy keeps everything and says so', async () => {
    const preview = previewRetention(await listSnapshots(repo), [], {}, NOW);
    expect(preview.description).toBe('no retention rule: keep every snapshot');
    expect(preview.snapshots.every((s) => s.keep)).toBe(true);
  });
});

function manifest(id: string, started: Date): SnapshotManifest {
  return {
    formatVersion: 1, id, startedAt: started.toISOString(), finishedAt: new Date(started.getTime() + 600_000).toISOString(), durationMs: 600_000,
    host: 'test', tags: ['bridge'], tool: { name: 'mmbackup', version: 'test' },
    mattermost: { configSource: 'file', configLocation: '/opt/mattermost/config/config.json', installDir: '/opt/mattermost', database: { driver: 'postgres', name: 'mattermost' } },
    components: {}, totals: { size: 0, bytesWritten: 0, chunksNew: 0, chunksReused: 0 },
  };
}
