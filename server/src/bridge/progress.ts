/**
 * Progress of the bridge's jobs for the System Console: the phases of each job ("step 2 of 5", see the
 * JobRunner's StepPlan) and an estimate of the bytes of each step that reports bytes, so a progress bar can
 * move. Estimates, best first:
 * - dump-db: the size of the newest earlier dump (the engine gives the same when its parent snapshot has a
 *   database), else the database's size on its server (tables and indexes: an upper bound);
 * - files: the bytes of the newest earlier file store capture, else a walk of the local file store and
 *   plugin directories (none for an S3 file store: listing a bucket just to draw a bar costs too much);
 * - drill-restore-files: the bytes the snapshot's file store holds.
 * Other steps report no bytes (config), or bring their own total (verify, the off-site copy).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Reporter } from '../common/reporter';
import type { MattermostInstallation } from '../mattermost/types';
import type { ComponentName, SnapshotManifest } from '../repository/snapshots';
import type { StepPlan } from '../schedule/runner';
import { driverFor } from '../sources/drivers';

/** A walk that would visit more entries than this gives no estimate: it would cost more than it tells. */
const MAX_WALK_ENTRIES = 1_000_000;

/** The phases of a backup job, in the order the engine (engine/backup.ts) and jobs.ts run them. */
export function backupPlan(components: ComponentName[], options: { offsite: boolean; prune: boolean }): StepPlan {
  return [
    { name: 'preflight', covers: ['lock', 'index'] },
    ...(components.includes('db') ? [{ name: 'dump-db' }] : []),
    ...(components.includes('config') ? [{ name: 'config' }] : []),
    ...(components.includes('files') ? [{ name: 'files' }] : []),
    { name: 'write-manifest' },
    ...(options.offsite ? [{ name: 'offsite-copy', covers: ['lock', 'index', /^copy [0-9a-f]+$/] }] : []),
    ...(options.prune ? [PRUNE_PHASE] : []),
  ];
}

const PRUNE_PHASE = { name: 'prune', covers: ['lock', 'check-locks', 'plan', /^remove-/] };

export const PRUNE_PLAN: StepPlan = [
  { name: 'prune', covers: ['lock', 'check-locks'] },
  { name: 'plan' },
  { name: 'remove-snapshots' },
  { name: 'remove-objects' },
  { name: 'remove-verifications' },
  { name: 'remove-temporary-files' },
];
export const DRILL_PLAN: StepPlan = [{ name: 'drill-restore-db' }, { name: 'drill-restore-files' }, { name: 'drill-check' }];
export const VERIFY_PLAN: StepPlan = [{ name: 'verify' }];

/** Byte estimates by step name; each resolves to undefined when nothing sensible is known. */
export type StepEstimates = Map<string, Promise<number | undefined>>;

/** Estimates for a backup, started now (a file store walk then runs while the database is dumped). */
export function backupEstimates(installation: MattermostInstallation, components: ComponentName[], snapshots: SnapshotManifest[]): StepEstimates {
  const estimates: StepEstimates = new Map();
  const quietly = (work: () => Promise<number | undefined>) => work().catch(() => undefined);
  if (components.includes('db')) {
    const previous = snapshots.find((s) => s.components.db)?.components.db?.dump.size;
    const conn = installation.database;
    estimates.set('dump-db', previous !== undefined ? Promise.resolve(previous) : quietly(() => driverFor(conn).sizeOnServer(conn)));
  }
  if (components.includes('files')) {
    const previous = snapshots.find((s) => s.components.files)?.components.files?.roots.reduce((sum, r) => sum + r.bytes, 0);
    const store = installation.fileStore;
    const dirs = [store.driver === 'local' ? store.directory : undefined, installation.pluginDirs.server, installation.pluginDirs.client];
    const walk = () => (store.driver === 'local' ? bytesUnder(dirs.filter((d): d is string => Boolean(d))) : Promise.resolve(undefined));
    estimates.set('files', previous !== undefined ? Promise.resolve(previous) : quietly(walk));
  }
  return estimates;
}

export function drillEstimates(snapshot: SnapshotManifest): StepEstimates {
  const data = snapshot.components.files?.roots.find((r) => r.name === 'data');
  return new Map(data ? [['drill-restore-files', Promise.resolve(data.bytes)]] : []);
}

/** Total bytes of the regular files under `dirs` (missing ones count 0); undefined past MAX_WALK_ENTRIES. */
export async function bytesUnder(dirs: string[]): Promise<number | undefined> {
  let total = 0;
  let entries = 0;
  const pending = [...dirs];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let listing;
    try {
      listing = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue; // gone meanwhile, or unreadable: the backup itself will say so
    }
    entries += listing.length;
    if (entries > MAX_WALK_ENTRIES) return undefined;
    for (const entry of listing) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile()) total += await fs.stat(full).then((st) => st.size, () => 0);
    }
  }
  return total;
}

/**
 * A Reporter that gives each step its estimate when the step starts without a total: passed on as
 * expectBytes() once known, unless the engine told its own total for that step first (the engine's wins).
 */
export function estimatingReporter(inner: Reporter, estimates: StepEstimates): Reporter {
  let generation = 0;
  let engineTotal = false;
  return {
    bytes: (n) => inner.bytes(n),
    info: (line) => inner.info(line),
    warn: (line) => inner.warn(line),
    stepFinished: (step, ok) => inner.stepFinished(step, ok),
    stepStarted(step, detail, total) {
      inner.stepStarted(step, detail, total);
      const current = ++generation;
      engineTotal = total !== undefined;
      const estimate = estimates.get(step);
      if (engineTotal || !estimate) return;
      void estimate.then((n) => {
        if (n !== undefined && n > 0 && current === generation && !engineTotal) inner.expectBytes?.(n);
      });
    },
    expectBytes(total) {
      engineTotal = true;
      inner.expectBytes?.(total);
    },
  };
}
