/**
 * copy: carries snapshots into a twin repository (same master keys and sealed config, created by copy
 * itself), object by object, as the raw sealed bytes. Nothing is decrypted or sealed again, except that
 * the tree listings are read to learn which file chunks a snapshot needs (./references.ts, the same
 * walk verify and prune use, so all three agree on what a snapshot needs).
 *
 *   source objects/<xx>/<id> ─load─> bytes ─save─> target   (sizes checked; with `verify`, read back and authenticated)
 *   source snapshots/<id> ─────────────────────────> target  (last, once every object it names is there)
 *
 * Snapshots go newest first, so the latest state is off-site soonest. Per snapshot: the objects the
 * target lacks, a few at a time, then the manifest. The manifest-last rule of backup holds here too: a
 * snapshot in the target is complete, and an interrupted copy leaves only objects, which the next copy
 * skips (resumable). The target's lock is held while writing; the source is only read and not locked, so
 * backups keep running meanwhile (they only add objects and manifests).
 */
import { ExitCode, MmBackupError } from '../common/errors';
import { byCodeUnits } from '../common/order';
import type { Reporter } from '../common/reporter';
import type { Destination } from '../destinations/destination';
import { connectionsOf, forEachLimited } from '../destinations/sema';
import type { Secret } from '../repository/keys';
import { acquireLock, type HeldLock } from '../repository/lock';
import { objectName, Repository } from '../repository/repository';
import { loadSnapshot, type SnapshotManifest } from '../repository/snapshots';
import { copyPackedSnapshot, indexPacks, type PackCopyState } from './copy-packs';
import { authenticateCopy, fromSource, mib, saveChecked, SourceUnreadable } from './copy-support';
import { snapshotChunkIds } from './references';
import { runSteps, withLockLoss } from './steps';
import { storageError } from './storage-errors';

export interface CopyTargetOptions {
  /** The target's own secret (--to-passphrase-file / --to-key-file): the new twin's key entry; must open an existing target. */
  secret?: Secret;
  /** The secret that opened the source: the new twin's key entry when `secret` is not given. */
  sourceSecret: Secret;
}

/**
 * The repository to copy into. An empty location becomes a twin of `source` (Repository.initTwin), opened by
 * `secret` or else by the source's own secret. An existing repository must be a twin: it is opened with
 * the source's master keys, so no secret is needed; another repository is refused (COPY_TARGET_NOT_TWIN,
 * exit 2), and a given `secret` that does not open it is the usual WRONG_KEY (exit 4).
 */
export async function openCopyTarget(source: Repository, destination: Destination, options: CopyTargetOptions): Promise<{ target: Repository; created: boolean }> {
  if (!(await Repository.existsAt(destination))) {
    return { target: await Repository.initTwin(destination, source, options.secret ?? options.sourceSecret), created: true };
  }
  const twin = await Repository.openTwin(destination, source);
  if (!twin) throw notATwin(source, destination);
  // A given secret must work: the admin relies on it to open the off-site copy on the day it matters.
  if (options.secret && !(await Repository.open(destination, options.secret)).sharesKeysWith(source)) throw notATwin(source, destination);
  return { target: twin, created: false };
}

function notATwin(source: Repository, destination: Destination): MmBackupError {
  return new MmBackupError({
    step: 'open-copy-target',
    code: 'COPY_TARGET_NOT_TWIN',
    message: `the repository at ${destination.location} has other master keys than ${source.destination.location} (key fingerprint ${source.fingerprint}); copy stores the sealed objects as they are, so it only writes into a twin repository that mmbackup copy created itself`,
    fix: 'give --to an empty location (a new directory or S3 prefix): the first copy creates the twin there, opened by --to-passphrase-file / --to-key-file, or by this repository\'s own passphrase or key file when neither is given',
    exitCode: ExitCode.usage,
  });
}

export interface CopyOptions {
  source: Repository;
  /** A twin of source (openCopyTarget). */
  target: Repository;
  reporter: Reporter;
  /** Read every copied object back from the target and authenticate it; without it only sizes are checked. */
  verify?: boolean;
  /** Objects copied at once (default: the target's connections); bounds memory to that many sealed objects. */
  concurrency?: number;
  /** Aborting stops after the objects in flight; the target then holds no manifest of the unfinished snapshot. */
  signal?: AbortSignal;
}

export interface CopyReport {
  source: string;
  target: string;
  /** Copied by this run, newest first. */
  snapshotsCopied: string[];
  /** Already in the target. */
  snapshotsSkipped: string[];
  /** Not copied because the source cannot provide them (missing or damaged objects); the rest were copied. */
  snapshotsFailed: Array<{ id: string; problem: string }>;
  objectsCopied: number;
  /** Distinct objects the copied snapshots reference that the target already held. */
  objectsSkipped: number;
  bytesCopied: number;
  verified: boolean;
}

export interface CopyState extends Required<Pick<CopyOptions, 'source' | 'target' | 'reporter' | 'verify' | 'concurrency'>> {
  signal?: AbortSignal;
  report: CopyReport;
  /** Sealed size of every source object, from one listing. */
  sourceSizes: Map<string, number>;
  /** Objects in the target: 'before' this run (listed once under the lock) or 'copied' by it. */
  targetObjects: Map<string, 'before' | 'copied'>;
  skipped: Set<string>;
  /** The target's lock while held. */
  lock?: HeldLock;
  /** Format 2: both indexes, read under the target's lock (./copy-packs.ts). */
  packs?: PackCopyState;
}

/**
 * Copies every snapshot of `source` that `target` lacks (by id). Resolves with what was done; rejects on a
 * target failure (nothing of the snapshot in progress becomes visible), ABORTED, or REPO_LOCKED (exit 3).
 * Source snapshots that cannot be read are reported in snapshotsFailed and the others still copied.
 */
export async function copySnapshots(options: CopyOptions): Promise<CopyReport> {
  const { source, target, reporter } = options;
  if (!source.sharesKeysWith(target)) throw notATwin(source, target.destination);
  const state: CopyState = {
    source,
    target,
    reporter,
    verify: Boolean(options.verify),
    concurrency: options.concurrency ?? connectionsOf(target.destination),
    signal: options.signal,
    report: { source: source.destination.location, target: target.destination.location, snapshotsCopied: [], snapshotsSkipped: [], snapshotsFailed: [], objectsCopied: 0, objectsSkipped: 0, bytesCopied: 0, verified: Boolean(options.verify) },
    sourceSizes: new Map(),
    targetObjects: new Map(),
    skipped: new Set(),
  };
  // Which snapshots are missing is decided before locking: snapshots are only ever added, and copying one
  // that appeared meanwhile rewrites identical bytes.
  const pending = await pendingSnapshots(state);
  let lock: HeldLock | undefined;
  await withLockLoss(
    () => lock,
    () =>
      runSteps(
        [
          {
            name: 'lock',
            run: async () => {
              lock = await acquireLock(target.destination, 'copy', reporter);
              state.lock = lock;
              state.signal = options.signal ? AbortSignal.any([options.signal, lock.signal]) : lock.signal;
            },
          },
          { name: 'index', run: () => (source.formatVersion >= 2 ? indexPacks(state) : indexObjects(state)) },
          ...pending.map((snapshot) => ({ name: `copy ${snapshot.id}`, run: () => copySnapshotGuarded(state, snapshot) })),
        ],
        [{ name: 'unlock', run: async () => lock?.release() }],
        reporter,
      ),
  );
  state.report.objectsSkipped = state.skipped.size;
  return state.report;
}

/** Source snapshots the target lacks, newest first; unreadable source manifests go to snapshotsFailed. */
async function pendingSnapshots(state: CopyState): Promise<SnapshotManifest[]> {
  const inTarget = new Set<string>();
  for await (const object of state.target.destination.list('snapshots/')) inTarget.add(baseName(object.name));
  const pending: SnapshotManifest[] = [];
  for await (const object of state.source.destination.list('snapshots/')) {
    const id = baseName(object.name);
    if (!/^[0-9a-f]{16}$/.test(id)) {
      state.reporter.warn(`ignored ${object.name} in the source: not a snapshot manifest mmbackup writes; move it out of the repository`);
      continue;
    }
    if (inTarget.has(id)) {
      state.report.snapshotsSkipped.push(id);
      continue;
    }
    try {
      pending.push(await loadSnapshot(state.source, id));
    } catch (err) {
      failSnapshot(state, id, `its manifest cannot be read: ${(err as Error).message}`);
    }
  }
  return pending.sort((a, b) => byCodeUnits(b.startedAt, a.startedAt));
}

async function indexObjects(state: CopyState): Promise<void> {
  for await (const object of state.target.destination.list('objects/')) state.targetObjects.set(baseName(object.name), 'before');
  for await (const object of state.source.destination.list('objects/')) state.sourceSizes.set(baseName(object.name), object.size);
}

/** One snapshot; a source that cannot provide it fails only this snapshot, a target failure stops the copy. */
async function copySnapshotGuarded(state: CopyState, snapshot: SnapshotManifest): Promise<void> {
  try {
    await copySnapshot(state, snapshot);
  } catch (err) {
    if (err instanceof SourceUnreadable) return failSnapshot(state, snapshot.id, err.message);
    if (state.signal?.aborted) throw aborted();
    throw storageError(err, state.target.destination.location);
  }
}

async function copySnapshot(state: CopyState, snapshot: SnapshotManifest): Promise<void> {
  const ids = await fromSource('a file listing', () => snapshotChunkIds(state.source, snapshot));
  if (state.packs) return copyPackedSnapshot(state, snapshot, ids);
  const toCopy: string[] = [];
  const absent: string[] = [];
  for (const id of ids) {
    const there = state.targetObjects.get(id);
    if (there === 'before') state.skipped.add(id);
    if (there) continue;
    if (state.sourceSizes.has(id)) toCopy.push(id);
    else absent.push(id);
  }
  if (absent.length > 0) throw new SourceUnreadable(`${absent.length} object(s) it references are missing from the source, e.g. ${objectName(absent[0])}`);
  const bytes = toCopy.reduce((sum, id) => sum + state.sourceSizes.get(id)!, 0);
  state.reporter.expectBytes?.(bytes);
  state.reporter.info(`snapshot ${snapshot.id} of ${snapshot.startedAt}: ${toCopy.length} object(s) to copy (${mib(bytes)}), ${ids.size - toCopy.length} already in the target`);
  await forEachLimited(toCopy, state.concurrency, (id) => copyObject(state, id), state.signal).catch((err) => {
    throw state.signal?.aborted ? aborted() : err;
  });
  await copyManifest(state, snapshot.id);
  state.report.snapshotsCopied.push(snapshot.id);
}

async function copyObject(state: CopyState, id: string): Promise<void> {
  const name = objectName(id);
  const data = await fromSource(name, () => state.source.destination.load(name));
  const listed = state.sourceSizes.get(id);
  if (data.length !== listed) throw new SourceUnreadable(`${name} read back with ${data.length} bytes but is listed with ${listed}`);
  await saveChecked(state.target.destination, name, data);
  if (state.verify) await authenticateCopy(state, name, data, () => state.target.loadChunk(id));
  state.targetObjects.set(id, 'copied');
  state.report.objectsCopied++;
  state.report.bytesCopied += data.length;
  state.reporter.bytes(data.length);
}

/** The manifest, raw; it names the same objects in the twin, so it is valid there as it is. */
export async function copyManifest(state: CopyState, id: string): Promise<void> {
  const name = `snapshots/${id}`;
  const data = await fromSource(name, () => state.source.destination.load(name));
  await state.lock?.check(); // a prune that took the target's lock over may have removed what it names
  await saveChecked(state.target.destination, name, data);
  if (state.verify) await authenticateCopy(state, name, data, () => loadSnapshot(state.target, id));
  state.report.bytesCopied += data.length;
}

function failSnapshot(state: CopyState, id: string, problem: string): void {
  state.report.snapshotsFailed.push({ id, problem });
  state.reporter.warn(`snapshot ${id} not copied: ${problem} (run mmbackup verify --read-data on the source)`);
}

export function aborted(): MmBackupError {
  return new MmBackupError({
    step: 'copy',
    code: 'ABORTED',
    message: 'the copy was stopped; the snapshot in progress was not written to the target (earlier ones are complete)',
    fix: 'run the copy again: it skips what is already there',
  });
}

function baseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

