/**
 * prune on a format-2 repository: packs instead of objects. Given the blobs the remaining snapshots use:
 *
 * - a pack none of whose blobs is used is deleted;
 * - a pack whose unused share is at least REPACK_UNUSED_SHARE is repacked: its used blobs are read,
 *   authenticated, checked against their ids and written into new packs, and the old pack is deleted;
 * - packs no index file names (what a killed backup or prune left) are deleted;
 * - a pack or index file still under S3 Object Lock retention is never touched (not deleted, and not
 *   repacked, which would only duplicate it): it is counted as held, for a later prune.
 *
 * Order, so that no reader ever sees an index naming a deleted pack, and a prune killed at any point
 * leaves a sound repository: (1) new packs; (2) new index files naming every pack that stays plus the new
 * ones, each listing every older index file in "supersedes" (readers skip superseded files, so an old
 * file that cannot be deleted yet is harmless); (3) the old index files; (4) the packs, in batches.
 *
 * Prune refuses to change anything when an index file cannot be read or a used blob is in no index: the
 * packs such a file names would look unreferenced, and deleting them could destroy what a repair of the
 * index would still find.
 */
import { MmBackupError } from '../common/errors';
import type { Reporter } from '../common/reporter';
import { forEachLimited, removeInBatches } from '../destinations/sema';
import { encodeIndexFile, INDEX_PREFIX, loadBlobIndex, newIndexName, type BlobIndex, type IndexedPack } from '../repository/blob-index';
import { PACK_NAME, PackBuilder, packName } from '../repository/pack';
import { DEFAULT_PACK_SIZE, PackedBlobs } from '../repository/packed-blobs';
import type { Repository } from '../repository/repository';

/** A pack whose unused bytes are at least this share of its blobs' bytes is repacked. */
export const REPACK_UNUSED_SHARE = 0.5;
/** Packs named per index file that prune writes. */
const PACKS_PER_INDEX_FILE = 2000;
/** Packs read at once while repacking (each is held whole). */
const REPACK_READS = 2;

export interface PackPlan {
  /** Ids of the packs kept as they are (the bulk of a repository: each is built as an object only to be written into an index file). */
  keep: string[];
  repack: Array<{ pack: IndexedPack; used: string[] }>;
  /** Indexed packs with no used blob. */
  remove: IndexedPack[];
  /** Stored packs no index names. */
  unindexed: Array<{ id: string; size: number }>;
  /** Used blobs whose pack is missing from the store. */
  missing: string[];
}

/** Decides what happens to each pack. Pure: `stored` is pack id -> stored size, `used` the blobs still needed. */
export function planPacks(index: BlobIndex, stored: Map<string, number>, used: Set<string>, threshold = REPACK_UNUSED_SHARE): PackPlan {
  const plan: PackPlan = { keep: [], repack: [], remove: [], unindexed: [], missing: [] };
  for (const pack of index.eachPack()) {
    // A blob counts as used in the one pack the index resolves it to; copies elsewhere are unused.
    const usedHere = pack.blobs.filter((b) => used.has(b.id) && index.lookup(b.id)?.packId === pack.id);
    if (!stored.has(pack.id)) {
      plan.missing.push(...usedHere.map((b) => b.id));
      continue;
    }
    const total = pack.blobs.reduce((sum, b) => sum + b.length, 0);
    const usedBytes = usedHere.reduce((sum, b) => sum + b.length, 0);
    if (usedHere.length === 0) plan.remove.push(pack);
    else if (total > 0 && (total - usedBytes) / total >= threshold) plan.repack.push({ pack, used: usedHere.map((b) => b.id) });
    else plan.keep.push(pack.id);
  }
  for (const [id, size] of stored) if (!index.hasPack(id)) plan.unindexed.push({ id, size });
  return plan;
}

export interface PackFigures {
  /** Packs kept as they are, repacked, deleted (unused or unindexed), and written by repacking. */
  kept: number;
  repacked: number;
  removed: number;
  written: number;
  indexFiles: number;
}

/** What prune's removal step gets from prune.ts: Object Lock checks and the report's counters. */
export interface PackPruneHooks {
  isHeld(name: string, size: number): Promise<boolean>;
  reclaimed(name: string, size: number, leftover: boolean): void;
  reporter: Reporter;
  /** Aborted when prune's lock is lost: no further deletion starts. */
  signal?: AbortSignal;
}

/** Reads the index afresh (refusing a damaged one) and lists the packs. */
export async function readPackState(repository: Repository): Promise<{ index: BlobIndex; stored: Map<string, number>; indexFiles: Array<{ name: string; size: number }> }> {
  const damaged: string[] = [];
  const index = await loadBlobIndex(repository.destination, (name) => repository.loadSealed(name), (name, err) => damaged.push(`${name} (${err.message})`));
  if (damaged.length > 0) {
    throw new MmBackupError({
      step: 'prune',
      code: 'INDEX_DAMAGED',
      message: `${damaged.length} index file(s) cannot be read, so prune cannot tell which packs are in use; nothing was deleted: ${damaged[0]}`,
      fix: 'restore the named index file from a copy of the repository (mmbackup verify --read-data lists every damage), then prune again',
    });
  }
  const stored = new Map<string, number>();
  for await (const object of repository.destination.list('data/')) {
    const id = PACK_NAME.exec(object.name)?.[2];
    if (id) stored.set(id, object.size);
  }
  const indexFiles: Array<{ name: string; size: number }> = [];
  for await (const object of repository.destination.list(INDEX_PREFIX)) indexFiles.push(object);
  return { index, stored, indexFiles };
}

export function refuseMissing(plan: PackPlan, used: Set<string>, index: BlobIndex): void {
  const unindexed = [...used].filter((id) => !index.has(id));
  const lost = [...plan.missing, ...unindexed];
  if (lost.length === 0) return;
  throw new MmBackupError({
    step: 'prune',
    code: 'BLOBS_MISSING',
    message: `${lost.length} blob(s) the remaining snapshots need are missing (their pack is gone or no index file names them), e.g. ${lost[0]}; nothing was deleted`,
    fix: 'run mmbackup verify --read-data to see which snapshots are damaged; restore the missing packs or index files from a copy of the repository, then prune again',
  });
}

/** Carries out the plan in the safe order (see the file comment). Returns what was done. */
export async function rewritePacks(repository: Repository, used: Set<string>, removedOnly: Set<string>, hooks: PackPruneHooks): Promise<PackFigures> {
  const { index, stored, indexFiles } = await readPackState(repository);
  const plan = planPacks(index, stored, used);
  refuseMissing(plan, used, index);
  const figures: PackFigures = { kept: plan.keep.length, repacked: 0, removed: 0, written: 0, indexFiles: 0 };
  const doomed: Array<{ name: string; size: number; leftover: boolean }> = [];
  const keep = [...plan.keep];
  for (const pack of plan.remove) {
    if (await hooks.isHeld(packName(pack.id), pack.size)) continue; // left out of the index: unindexed, reclaimed later
    doomed.push({ name: packName(pack.id), size: pack.size, leftover: !pack.blobs.some((b) => removedOnly.has(b.id)) });
  }
  for (const { id, size } of plan.unindexed) if (!(await hooks.isHeld(packName(id), size))) doomed.push({ name: packName(id), size, leftover: true });
  const repack: typeof plan.repack = [];
  for (const entry of plan.repack) {
    if (await hooks.isHeld(packName(entry.pack.id), entry.pack.size)) keep.push(entry.pack.id);
    else repack.push(entry);
  }
  if (doomed.length === 0 && repack.length === 0 && indexFiles.length <= 1) return figures; // nothing to change
  const written = await repackBlobs(repository, repack, hooks.reporter);
  for (const { pack } of repack) doomed.push({ name: packName(pack.id), size: pack.size, leftover: false });
  figures.repacked = repack.length;
  figures.written = written.length;
  const supersedes = indexFiles.map((f) => f.name);
  const all: Array<string | IndexedPack> = [...keep, ...written];
  for (let i = 0; i < all.length || (i === 0 && supersedes.length > 0); i += PACKS_PER_INDEX_FILE) {
    const packs = all.slice(i, i + PACKS_PER_INDEX_FILE).map((pack) => (typeof pack === 'string' ? index.pack(pack)! : pack));
    await repository.saveSealed(newIndexName(), encodeIndexFile(packs, supersedes));
    figures.indexFiles++;
  }
  hooks.signal?.throwIfAborted();
  const oldIndexes: string[] = [];
  for (const file of indexFiles) if (!(await hooks.isHeld(file.name, file.size))) oldIndexes.push(file.name);
  await removeInBatches(repository.destination, oldIndexes);
  hooks.signal?.throwIfAborted();
  await removeInBatches(
    repository.destination,
    doomed.map((d) => d.name),
    ({ from, to }) => {
      doomed.slice(from, to).forEach((d) => hooks.reclaimed(d.name, d.size, d.leftover));
      hooks.signal?.throwIfAborted();
    },
  );
  figures.removed = doomed.length - repack.length;
  // This process's own view must not name a deleted pack either.
  if (repository.blobs instanceof PackedBlobs) await repository.blobs.loadIndex();
  return figures;
}

/** Reads each pack to repack (whole, checked against its id) and writes its used blobs into new packs. */
async function repackBlobs(repository: Repository, repack: Array<{ pack: IndexedPack; used: string[] }>, reporter: Reporter): Promise<IndexedPack[]> {
  if (repack.length === 0) return [];
  const blobs = repository.blobs as PackedBlobs;
  const packSize = repository.config.packSize ?? DEFAULT_PACK_SIZE;
  const written: IndexedPack[] = [];
  let builder = new PackBuilder();
  const store = async () => {
    const full = builder;
    builder = new PackBuilder();
    if (full.blobs.length === 0) return;
    const { id, parts, size, blobs: packed, md5, crc32 } = await blobs.finishPack(full);
    await repository.destination.save(packName(id), parts, { md5, crc32 });
    written.push({ id, size, blobs: packed });
  };
  // Packs are read a few at a time, but blobs are added one pack after the other (the builder is shared).
  let turn = Promise.resolve();
  await forEachLimited(repack, REPACK_READS, async ({ pack, used }) => {
    const bytes = await repository.destination.load(packName(pack.id));
    await blobs.readPack(pack.id, bytes);
    const mine = turn.then(async () => {
      for (const blob of pack.blobs.filter((b) => used.includes(b.id))) {
        const sealed = bytes.subarray(blob.offset, blob.offset + blob.length);
        await blobs.checkBlob(blob.id, sealed); // a damaged blob must not be carried into a new pack unnoticed
        builder.add(blob.id, Buffer.from(sealed));
        if (builder.size >= packSize) await store();
      }
    });
    turn = mine.catch(() => {});
    await mine;
  });
  await store();
  reporter.info(`repacked ${repack.length} pack(s) that were mostly unused into ${written.length} new one(s)`);
  return written;
}
