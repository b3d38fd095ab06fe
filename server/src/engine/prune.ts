/**
 * prune: apply a retention policy, then reclaim every object no remaining snapshot references, including
 * what killed or failed backups left behind. The steps, in this order so that a prune killed at any
 * point leaves a sound repository (at worst, objects the next prune reclaims):
 *
 *   lock -> plan -> remove-snapshots -> remove-objects -> remove-verifications -> remove-temporary-files
 *
 * - lock: the repository lock, so that no backup is running whose new objects no manifest names yet.
 * - plan: the policy's verdicts, then the safety rules, which override the policy: the newest snapshot
 *   and the newest snapshot with a passing verification record (../repository/verifications.ts) are
 *   never removed. Then what would be reclaimed. Changes nothing; a dry run stops here, without the lock.
 * - remove-snapshots: manifests first, so no snapshot can ever name a deleted object.
 * - remove-objects: the snapshots are listed again and any plan did not walk is walked (a listing that
 *   cannot be read stops prune before anything is deleted); what none references goes. Format 1: every
 *   other object, in batches. Format 2: packs are deleted or repacked and the index rewritten first
 *   (./prune-packs.ts), so no reader sees an index naming a deleted pack.
 * - remove-verifications: records of snapshots that no longer exist.
 * - Object Lock (S3): a snapshot whose manifest is still under retention is kept (a safety rule, said so),
 *   and an object or verification record still under retention is not deleted but counted as held and
 *   reported: a later prune reclaims it. remove() is never tried on a held object (see retainedUntil in
 *   ../destinations/destination.ts); a dry run asks too, so its figures match.
 * - remove-temporary-files: local repositories only, ".tmp-" files older than an hour (writes a killed
 *   process never finished; a younger one may belong to a writer that does not take the lock, like verify
 *   recording its result); and on every store, "preflight/" probe objects older than an hour by the
 *   store's clock (probes of killed runs).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MmBackupError } from '../common/errors';
import { byCodeUnits } from '../common/order';
import { silentReporter, type Reporter } from '../common/reporter';
import { LocalDestination, listTemporaryFiles } from '../destinations/local';
import { connectionsOf, forEachLimited, removeInBatches } from '../destinations/sema';
import { acquireLock, judgeLocks, type HeldLock } from '../repository/lock';
import { storageNow } from '../repository/lock-files';
import type { Repository } from '../repository/repository';
import { listSnapshots, readSnapshots, type SnapshotManifest } from '../repository/snapshots';
import { listVerifications, removeVerification, type VerificationRecord } from '../repository/verifications';
import { applyPolicy, describePolicy, isEmptyPolicy, type RetentionPolicy } from '../retention/policy';
import { planPacks, readPackState, refuseMissing, rewritePacks, type PackFigures } from './prune-packs';
import { packName } from '../repository/pack';
import { snapshotChunkIds } from './references';
import { runSteps, withLockLoss, type Step } from './steps';

export const TEMPORARY_FILE_AGE_MS = 60 * 60_000;

export interface PruneOptions {
  dryRun?: boolean;
  reporter?: Reporter;
  /** The policy's "now" (snapshots dated after it are never the newest for keep-within); default the clock. */
  now?: Date;
}

export interface PruneReport {
  dryRun: boolean;
  /** The effective policy in words. */
  policy: string;
  /** No rule was given: every snapshot is kept and only unreferenced objects are reclaimed. */
  emptyPolicy: boolean;
  /** Newest first, each with every rule that keeps it. */
  kept: Array<{ id: string; time: string; tags: string[]; reasons: string[] }>;
  /** Newest first, each with why no rule keeps it. */
  removed: Array<{ id: string; time: string; tags: string[]; reason: string }>;
  /** Snapshots the policy alone would remove but a safety rule keeps (they are also in `kept`). */
  savedBySafety: Array<{ id: string; rules: string[]; policyReason: string }>;
  /** Objects (chunks) reclaimed, or that would be on a dry run. */
  objects: { stored: number; storedBytes: number; reclaimed: number; bytesReclaimed: number; leftovers: number; leftoverBytes: number };
  /** Format 2: what happened to the pack files (absent for format 1, whose objects are counted above). */
  packs?: PackFigures;
  /** ".tmp-" files of killed writes reclaimed (local repositories). */
  temporaryFiles: { reclaimed: number; bytes: number };
  verificationRecordsRemoved: number;
  /** Objects and verification records left in place because S3 Object Lock still holds them. */
  heldByObjectLock: { objects: number; bytes: number; earliest?: string; latest?: string };
}

/** What the plan found, for the removal steps. */
interface PruneState {
  report: PruneReport;
  remove: SnapshotManifest[];
  /** Chunks only removed snapshots reference: reclaiming them is retention, not leftover cleanup. */
  removedOnly: Set<string>;
  temporaryFiles: string[];
  /** What the kept snapshots reference, walked once in plan and reused by remove-objects. */
  keptRefs: Set<string>;
  keptIds: Set<string>;
  /** The held lock's signal: aborted when the lock is lost. */
  signal?: AbortSignal;
}

const OBJECT_NAME = /^objects\/([0-9a-f]{2})\/(\1[0-9a-f]{62})$/;

/** Applies `policy` and reclaims unreferenced objects; see the file comment for the steps and rules. */
export async function runPrune(repository: Repository, policy: RetentionPolicy, options: PruneOptions = {}): Promise<PruneReport> {
  const reporter = options.reporter ?? silentReporter;
  const dryRun = Boolean(options.dryRun);
  const state: PruneState = { report: emptyReport(policy, dryRun), remove: [], removedOnly: new Set(), temporaryFiles: [], keptRefs: new Set(), keptIds: new Set() };
  let lock: HeldLock | undefined;
  const steps: Step[] = [];
  if (dryRun) steps.push({ name: 'check-locks', run: () => warnAboutLiveLocks(repository, reporter) });
  else steps.push({ name: 'lock', run: async () => void (lock = await acquireLock(repository.destination, 'prune', reporter)) });
  steps.push({ name: 'plan', run: () => plan(repository, policy, state, options.now ?? new Date(), reporter) });
  if (!dryRun) {
    // Each removal step starts only while the lock is provably ours; within one, a lost lock stops it
    // (a writer that took over may be storing objects no manifest names yet).
    const holding = (run: () => Promise<void>) => async () => {
      await lock!.check();
      state.signal = lock!.signal;
      await run();
    };
    steps.push(
      { name: 'remove-snapshots', run: holding(() => removeSnapshots(repository, state)) },
      { name: 'remove-objects', run: holding(() => (repository.formatVersion >= 2 ? removePacks(repository, state, reporter) : removeObjects(repository, state, reporter))) },
      { name: 'remove-verifications', run: holding(() => removeVerifications(repository, state)) },
      { name: 'remove-temporary-files', run: holding(() => removeTemporaryFiles(repository, state)) },
    );
  }
  await withLockLoss(() => lock, () => runSteps(steps, [{ name: 'unlock', run: async () => lock?.release() }], reporter));
  const held = state.report.heldByObjectLock;
  if (held.objects > 0) {
    const until = held.earliest === held.latest ? `until ${held.latest}` : `until ${held.earliest} to ${held.latest}`;
    reporter.warn(`${held.objects} object(s) (${(held.bytes / 2 ** 20).toFixed(1)} MiB) held by Object Lock ${until}${dryRun ? ' would be' : ' were'} left in place; a later prune will reclaim them`);
  }
  return state.report;
}

function emptyReport(policy: RetentionPolicy, dryRun: boolean): PruneReport {
  return {
    dryRun,
    policy: describePolicy(policy),
    emptyPolicy: isEmptyPolicy(policy),
    kept: [],
    removed: [],
    savedBySafety: [],
    objects: { stored: 0, storedBytes: 0, reclaimed: 0, bytesReclaimed: 0, leftovers: 0, leftoverBytes: 0 },
    temporaryFiles: { reclaimed: 0, bytes: 0 },
    verificationRecordsRemoved: 0,
    heldByObjectLock: { objects: 0, bytes: 0 },
  };
}

/** A dry run takes no lock (it changes nothing), but a running backup makes its figures approximate. */
async function warnAboutLiveLocks(repository: Repository, reporter: Reporter): Promise<void> {
  for (const { info } of (await judgeLocks(repository.destination, reporter)).live) {
    reporter.warn(`"${info.operation}" (pid ${info.pid} on ${info.host}) holds the repository lock: objects it is writing are counted as reclaimable here; a real prune refuses to start until it is done (exit code 3)`);
  }
}

async function plan(repository: Repository, policy: RetentionPolicy, state: PruneState, now: Date, reporter: Reporter): Promise<void> {
  const snapshots = await listSnapshots(repository, (line) => reporter.warn(line));
  const records = await listVerifications(repository);
  const verdicts = await keepLockedSnapshots(repository, decide(snapshots, policy, records, now));
  Object.assign(state.report, verdicts);
  const removing = new Set(verdicts.removed.map((r) => r.id));
  state.remove = snapshots.filter((s) => removing.has(s.id));
  const keptSnapshots = snapshots.filter((s) => !removing.has(s.id));
  const keptRefs = await referencedBy(repository, keptSnapshots);
  state.keptRefs = keptRefs;
  state.keptIds = new Set(keptSnapshots.map((s) => s.id));
  // Removed snapshots' listings may be damaged; that only blurs the split between the two figures.
  const removedRefs = new Set<string>();
  for (const s of state.remove) await snapshotChunkIds(repository, s, removedRefs, () => {});
  for (const id of keptRefs) removedRefs.delete(id);
  state.removedOnly = removedRefs;

  const objects = state.report.objects;
  if (repository.formatVersion >= 2) await figurePacks(repository, state);
  else for await (const { name, size } of repository.destination.list('objects/')) {
    objects.stored++;
    objects.storedBytes += size;
    const id = OBJECT_NAME.exec(name)?.[2];
    // The real removal asks again in any case; a dry run asks here so that its figures are true.
    if (id && !keptRefs.has(id) && !(state.report.dryRun && (await isHeld(repository, state, name, size)))) countReclaimed(state, id, size);
  }
  const kept = new Set(verdicts.kept.map((k) => k.id));
  state.report.verificationRecordsRemoved = records.filter((r) => !kept.has(r.snapshot)).length;
  await planTemporaryFiles(repository, state, now);
  if (state.report.emptyPolicy) reporter.warn('no --keep-* rule given (options or MMBACKUP_KEEP_*): every snapshot is kept; only objects no snapshot references are reclaimed');
}

/** Removed snapshots whose manifest Object Lock still holds become kept, by a safety rule that says until when. */
async function keepLockedSnapshots(repository: Repository, verdicts: ReturnType<typeof decide>): Promise<ReturnType<typeof decide>> {
  const retainedUntil = repository.destination.retainedUntil?.bind(repository.destination);
  if (!retainedUntil) return verdicts;
  const removed: typeof verdicts.removed = [];
  for (const r of verdicts.removed) {
    const until = await retainedUntil(`snapshots/${r.id}`);
    if (!until) {
      removed.push(r);
      continue;
    }
    const rule = `its manifest is held by Object Lock until ${until.toISOString()}`;
    verdicts.kept.push({ id: r.id, time: r.time, tags: r.tags, reasons: [`safety: ${rule}`] });
    verdicts.savedBySafety.push({ id: r.id, rules: [rule], policyReason: r.reason });
  }
  verdicts.kept.sort((a, b) => byCodeUnits(b.time, a.time));
  return { ...verdicts, removed };
}

/** True (and counted in the report) when Object Lock still holds `name`: it must not be removed yet. */
async function isHeld(repository: Repository, state: PruneState, name: string, size: number): Promise<boolean> {
  const until = await repository.destination.retainedUntil?.(name);
  if (!until) return false;
  const held = state.report.heldByObjectLock;
  const day = until.toISOString().slice(0, 10);
  held.objects++;
  held.bytes += size;
  if (!held.earliest || day < held.earliest) held.earliest = day;
  if (!held.latest || day > held.latest) held.latest = day;
  return true;
}

function countReclaimed(state: PruneState, id: string, size: number): void {
  const objects = state.report.objects;
  objects.reclaimed++;
  objects.bytesReclaimed += size;
  if (!state.removedOnly.has(id)) {
    objects.leftovers++;
    objects.leftoverBytes += size;
  }
}

/** Every chunk the snapshots reference. Rejects on an unreadable listing: better nothing deleted than live data. */
async function referencedBy(repository: Repository, snapshots: SnapshotManifest[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const snapshot of snapshots) {
    await snapshotChunkIds(repository, snapshot, ids).catch((err) => {
      throw new MmBackupError({
        step: 'references',
        code: 'LISTING_UNREADABLE',
        message: `a file listing of snapshot ${snapshot.id} cannot be read (${(err as Error).message}), so prune cannot tell which objects that snapshot needs: no object was deleted`,
        fix: `run mmbackup verify ${snapshot.id} --read-data to see which objects are damaged and restore them from a copy of the repository; until then prune deletes nothing`,
        cause: err,
      });
    });
  }
  return ids;
}

/**
 * The policy's verdicts with the safety rules applied. Pure apart from its inputs; newest first.
 * `snapshots` must be sorted newest first (as listSnapshots returns them).
 */
export function decide(snapshots: SnapshotManifest[], policy: RetentionPolicy, verifications: VerificationRecord[], now: Date): Pick<PruneReport, 'kept' | 'removed' | 'savedBySafety'> {
  const result = applyPolicy(snapshots.map((s) => ({ id: s.id, time: s.startedAt, tags: s.tags })), policy, now);
  const byId = new Map(snapshots.map((s) => [s.id, s]));
  const guards = safetyRules(snapshots, verifications);
  const verdicts: Pick<PruneReport, 'kept' | 'removed' | 'savedBySafety'> = { kept: [], removed: [], savedBySafety: [] };
  for (const k of result.keep) verdicts.kept.push({ id: k.id, time: byId.get(k.id)!.startedAt, tags: byId.get(k.id)!.tags, reasons: k.reasons });
  for (const r of result.remove) {
    const snapshot = byId.get(r.id)!;
    const rules = guards.get(r.id);
    if (!rules) {
      verdicts.removed.push({ id: r.id, time: snapshot.startedAt, tags: snapshot.tags, reason: r.reason });
      continue;
    }
    verdicts.kept.push({ id: r.id, time: snapshot.startedAt, tags: snapshot.tags, reasons: rules.map((rule) => `safety: ${rule}`) });
    verdicts.savedBySafety.push({ id: r.id, rules, policyReason: r.reason });
  }
  verdicts.kept.sort((a, b) => byCodeUnits(b.time, a.time));
  return verdicts;
}

/** Snapshot id -> the safety rules that protect it. */
function safetyRules(snapshots: SnapshotManifest[], verifications: VerificationRecord[]): Map<string, string[]> {
  const guards = new Map<string, string[]>();
  const add = (id: string, rule: string) => guards.set(id, [...(guards.get(id) ?? []), rule]);
  if (snapshots.length > 0) add(snapshots[0].id, 'the newest snapshot is never removed');
  const passed = new Map(verifications.filter((v) => v.readData || v.drill).map((v) => [v.snapshot, v]));
  const verified = snapshots.find((s) => passed.has(s.id));
  if (verified) {
    const record = passed.get(verified.id)!;
    const how = [record.readData ? 'verify --read-data' : '', record.drill ? 'drill' : ''].filter(Boolean).join(' and ');
    add(verified.id, `the newest verified snapshot is never removed (passed ${how} at ${record.at})`);
  }
  return guards;
}

async function planTemporaryFiles(repository: Repository, state: PruneState, now: Date): Promise<void> {
  await planProbes(repository, state);
  const destination = repository.destination;
  if (!(destination instanceof LocalDestination)) return;
  for await (const name of listTemporaryFiles(destination.location)) {
    const st = await fs.stat(path.join(destination.location, name)).catch(() => undefined); // finished meanwhile
    if (!st || now.getTime() - st.mtimeMs < TEMPORARY_FILE_AGE_MS) continue;
    state.temporaryFiles.push(name);
    state.report.temporaryFiles.reclaimed++;
    state.report.temporaryFiles.bytes += st.size;
  }
}

/**
 * Probe objects under preflight/ (a backup's write check, a lock reader's clock probe) that a killed run
 * never removed: older than TEMPORARY_FILE_AGE_MS by the store's clock (a dry run, which writes nothing,
 * uses this host's).
 */
async function planProbes(repository: Repository, state: PruneState): Promise<void> {
  const destination = repository.destination;
  const now = (state.report.dryRun ? undefined : await storageNow(destination)) ?? new Date();
  for await (const { name, size } of destination.list('preflight/')) {
    const modified = (await destination.stat(name).catch(() => undefined))?.modified; // removed meanwhile: its run finished
    if (!modified || now.getTime() - modified.getTime() < TEMPORARY_FILE_AGE_MS) continue;
    state.temporaryFiles.push(name);
    state.report.temporaryFiles.reclaimed++;
    state.report.temporaryFiles.bytes += size;
  }
}

async function removeSnapshots(repository: Repository, state: PruneState): Promise<void> {
  for (const snapshot of state.remove) await repository.destination.remove(`snapshots/${snapshot.id}`);
}

/**
 * The blobs the snapshots there now reference: those plan walked as kept, plus any snapshot plan did not
 * walk (one that appeared anyway, a manifest whose removal did not take). Undefined, with a warning, when
 * a manifest cannot be read: what it names is unknown, and deleting by guess could destroy a snapshot that
 * a restored manifest file would bring back.
 */
async function currentReferences(repository: Repository, state: PruneState, reporter: Reporter): Promise<Set<string> | undefined> {
  const listing = await readSnapshots(repository, () => {}); // plan already warned about each
  if (listing.unreadable.length > 0) {
    reporter.warn(`no objects reclaimed: the manifest(s) ${listing.unreadable.map((u) => u.name).join(', ')} cannot be read, so prune cannot tell which objects they need; restore them from a copy or remove them, then prune again`);
    return undefined;
  }
  const appeared = listing.snapshots.filter((s) => !state.keptIds.has(s.id));
  return new Set([...state.keptRefs, ...(await referencedBy(repository, appeared))]);
}

/**
 * Format 1: deletes the objects the snapshots that exist now do not reference; the figures become what
 * was done. Object Lock retentions are asked for as many objects at once as the destination has
 * connections, and the deletions go in batches (S3 DeleteObjects: 1,000 a request).
 */
async function removeObjects(repository: Repository, state: PruneState, reporter: Reporter): Promise<void> {
  const objects = state.report.objects;
  Object.assign(objects, { reclaimed: 0, bytesReclaimed: 0, leftovers: 0, leftoverBytes: 0 });
  state.report.heldByObjectLock = { objects: 0, bytes: 0 };
  const referenced = await currentReferences(repository, state, reporter);
  if (!referenced) return;
  const doomed: Array<{ name: string; id: string; size: number }> = [];
  await forEachLimited(repository.destination.list('objects/'), connectionsOf(repository.destination), async ({ name, size }) => {
    const id = OBJECT_NAME.exec(name)?.[2];
    if (!id) return reporter.warn(`left alone: ${name} is not an object name this version of mmbackup writes`);
    if (referenced.has(id) || (await isHeld(repository, state, name, size))) return;
    doomed.push({ name, id, size });
  }, state.signal);
  repository.forgetObjects(doomed.map((d) => d.id)); // before they go: this instance never trusts a removed object
  await removeInBatches(repository.destination, doomed.map((d) => d.name), ({ from, to }) => {
    for (const d of doomed.slice(from, to)) countReclaimed(state, d.id, d.size);
    state.signal?.throwIfAborted(); // a lost lock stops the next batch
  });
}

/** Format 2, plan: the figures of what rewritePacks would do, from the index and one listing of data/. */
async function figurePacks(repository: Repository, state: PruneState): Promise<void> {
  const { index, stored } = await readPackState(repository);
  const plan = planPacks(index, stored, state.keptRefs);
  refuseMissing(plan, state.keptRefs, index);
  const objects = state.report.objects;
  for (const size of stored.values()) [objects.stored, objects.storedBytes] = [objects.stored + 1, objects.storedBytes + size];
  const gone = [...plan.remove.map((p) => ({ id: p.id, size: p.size, leftover: !p.blobs.some((b) => state.removedOnly.has(b.id)) })), ...plan.unindexed.map((p) => ({ ...p, leftover: true }))];
  for (const { id, size, leftover } of gone) {
    if (state.report.dryRun && (await isHeld(repository, state, packName(id), size))) continue;
    countPack(state, size, leftover);
  }
  state.report.packs = { kept: plan.keep.length, repacked: plan.repack.length, removed: gone.length, written: 0, indexFiles: 0 };
}

function countPack(state: PruneState, size: number, leftover: boolean): void {
  const objects = state.report.objects;
  objects.reclaimed++;
  objects.bytesReclaimed += size;
  if (leftover) [objects.leftovers, objects.leftoverBytes] = [objects.leftovers + 1, objects.leftoverBytes + size];
}

/** Format 2: deletes and repacks packs and rewrites the index (./prune-packs.ts); the figures become what was done. */
async function removePacks(repository: Repository, state: PruneState, reporter: Reporter): Promise<void> {
  Object.assign(state.report.objects, { reclaimed: 0, bytesReclaimed: 0, leftovers: 0, leftoverBytes: 0 });
  state.report.heldByObjectLock = { objects: 0, bytes: 0 };
  const used = await currentReferences(repository, state, reporter);
  if (!used) return;
  state.report.packs = await rewritePacks(repository, used, state.removedOnly, {
    isHeld: (name, size) => isHeld(repository, state, name, size),
    reclaimed: (_name, size, leftover) => countPack(state, size, leftover),
    reporter,
    signal: state.signal,
  });
}

async function removeVerifications(repository: Repository, state: PruneState): Promise<void> {
  const existing = new Set<string>();
  for await (const object of repository.destination.list('snapshots/')) existing.add(object.name.slice('snapshots/'.length));
  state.report.verificationRecordsRemoved = 0;
  for await (const object of repository.destination.list('verifications/')) {
    const id = object.name.slice('verifications/'.length);
    if (existing.has(id) || !/^[0-9a-f]+$/.test(id) || (await isHeld(repository, state, object.name, object.size))) continue;
    await removeVerification(repository, id);
    state.report.verificationRecordsRemoved++;
  }
}

async function removeTemporaryFiles(repository: Repository, state: PruneState): Promise<void> {
  for (const name of state.temporaryFiles) await repository.destination.remove(name);
}
