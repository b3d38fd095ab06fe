/**
 * Golden test (as restic's internal/data/testdata): a year of daily snapshots reduced by a GFS policy to
 * exactly the set in testdata/. After a deliberate change of semantics, regenerate with
 * `UPDATE_GOLDEN=1 npx jest src/retention/policy.golden` and review the diff by hand.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { applyPolicy, type PolicySnapshot, type RetentionPolicy } from './policy';

const GOLDEN = path.join(__dirname, 'testdata', 'year-of-dailies-keep-daily-7-weekly-4-monthly-12.json');
const POLICY: RetentionPolicy = { daily: 7, weekly: 4, monthly: 12 };
const NOW = new Date('2026-11-03T12:00:00Z');

/** One backup a day at 02:30 UTC, from Tuesday 4 November 2025 to Tuesday 3 November 2026 (365 snapshots). */
function yearOfDailies(): PolicySnapshot[] {
  const snapshots: PolicySnapshot[] = [];
  for (let t = Date.parse('2025-11-04T02:30:00Z'); t <= Date.parse('2026-11-03T02:30:00Z'); t += 86_400_000) {
    const time = new Date(t).toISOString();
    snapshots.push({ id: `daily-${time.slice(0, 10)}`, time, tags: [] });
  }
  return snapshots;
}

test('a year of daily snapshots, --keep-daily 7 --keep-weekly 4 --keep-monthly 12', async () => {
  const snapshots = yearOfDailies();
  expect(snapshots).toHaveLength(365);
  const result = applyPolicy(snapshots, POLICY, NOW);
  const actual = { policy: '--keep-daily 7 --keep-weekly 4 --keep-monthly 12', snapshots: snapshots.length, keep: result.keep, removed: result.remove.length };
  if (process.env.UPDATE_GOLDEN) await fs.writeFile(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
  const golden = JSON.parse(await fs.readFile(GOLDEN, 'utf8'));
  expect(actual).toEqual(golden);
  // Every snapshot is accounted for exactly once.
  const ids = new Set([...result.keep.map((k) => k.id), ...result.remove.map((r) => r.id)]);
  expect(ids.size).toBe(snapshots.length);
});
