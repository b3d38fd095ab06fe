/**
 * copy between format-2 twins: whole packs, raw. The blobs a snapshot needs that the target's index lacks
 * are looked up in the source's index; each pack holding one is read whole, checked against its id (an
 * HMAC over every byte, so a damaged source pack fails that snapshot before anything is written), stored
 * in the target, its size checked (with `verify`, read back and checked again). Then one index file in
 * the target names the packs copied for the snapshot, and then, last, the manifest: as after a backup,
 * a snapshot that exists in the target names only findable blobs. An interrupted copy leaves packs no
 * index names; the next copy stores them again under the same name, and prune reclaims any left over.
 */
import { MmBackupError } from '../common/errors';
import { forEachLimited } from '../destinations/sema';
import { encodeIndexFile, loadBlobIndex, newIndexName, type BlobIndex, type IndexedPack } from '../repository/blob-index';
import { packName } from '../repository/pack';
import type { PackedBlobs } from '../repository/packed-blobs';
import type { SnapshotManifest } from '../repository/snapshots';
import { aborted, copyManifest, type CopyState } from './copy';
import { fromSource, mib, saveChecked, SourceUnreadable } from './copy-support';

/** Packs copied at once: each is held whole in memory. */
const PACK_COPIES = 3;

export interface PackCopyState {
  sourceIndex: BlobIndex;
  targetIndex: BlobIndex;
}

export async function indexPacks(state: CopyState): Promise<void> {
  const [sourceIndex, targetIndex] = await Promise.all([
    fromSource('the index', () => loadBlobIndex(state.source.destination, (name) => state.source.loadSealed(name))),
    loadBlobIndex(state.target.destination, (name) => state.target.loadSealed(name)),
  ]);
  state.packs = { sourceIndex, targetIndex };
}

export async function copyPackedSnapshot(state: CopyState, snapshot: SnapshotManifest, ids: Set<string>): Promise<void> {
  const { sourceIndex, targetIndex } = state.packs!;
  const packs = new Map<string, IndexedPack>();
  const absent: string[] = [];
  for (const id of ids) {
    if (targetIndex.has(id)) {
      state.skipped.add(id);
      continue;
    }
    const where = sourceIndex.lookup(id);
    if (!where) absent.push(id);
    else if (!packs.has(where.packId)) packs.set(where.packId, sourceIndex.pack(where.packId)!);
  }
  if (absent.length > 0) throw new SourceUnreadable(`${absent.length} blob(s) it references are in no index file of the source, e.g. ${absent[0]}`);
  const bytes = [...packs.values()].reduce((sum, p) => sum + p.size, 0);
  state.reporter.expectBytes?.(bytes);
  state.reporter.info(`snapshot ${snapshot.id} of ${snapshot.startedAt}: ${packs.size} pack(s) to copy (${mib(bytes)}), ${ids.size} blobs referenced`);
  const copied: IndexedPack[] = [];
  await forEachLimited(packs.values(), Math.min(PACK_COPIES, state.concurrency), async (pack) => {
    await copyPack(state, pack);
    copied.push(pack);
  }, state.signal).catch((err) => {
    throw state.signal?.aborted ? aborted() : err;
  });
  if (copied.length > 0) {
    await state.lock?.check(); // an index file makes the packs visible: only while the target's lock is ours
    await state.target.saveSealed(newIndexName(), encodeIndexFile(copied));
    for (const pack of copied) targetIndex.addPack(pack);
  }
  await copyManifest(state, snapshot.id);
  state.report.snapshotsCopied.push(snapshot.id);
}

async function copyPack(state: CopyState, pack: IndexedPack): Promise<void> {
  const name = packName(pack.id);
  const data = await fromSource(name, () => state.source.destination.load(name));
  if (data.length !== pack.size) throw new SourceUnreadable(`${name} read back with ${data.length} bytes but the source index says ${pack.size}`);
  await fromSource(name, () => (state.source.blobs as PackedBlobs).readPack(pack.id, data)).catch((err: Error) => {
    throw new SourceUnreadable(`${name} is damaged in the source: ${err.message}`);
  });
  await saveChecked(state.target.destination, name, data);
  if (state.verify) {
    const back = await state.target.destination.load(name);
    await (state.target.blobs as PackedBlobs).readPack(pack.id, back).catch(async (err: Error) => {
      await state.target.destination.remove(name).catch(() => {});
      throw new MmBackupError({
        step: 'copy',
        code: 'COPY_VERIFY_FAILED',
        message: `${name} does not read back intact from ${state.target.destination.location}: ${err.message}`,
        fix: 'check the target storage, then run the copy again: it resumes',
        cause: err,
      });
    });
  }
  state.report.objectsCopied++;
  state.report.bytesCopied += data.length;
  state.reporter.bytes(data.length);
}
