/**
 * Which stored objects a snapshot references: the chunks of every blob its manifest names, and for every
 * captured directory the chunks of its listing and of every file the listing names. verify checks
 * exactly these objects; prune keeps exactly these (of the remaining snapshots) and deletes the rest, so
 * both must agree, and this is the one place that decides.
 *
 * The manifest is searched for blob references and tree roots by shape, not by field name: a component
 * added to the manifest later (an S3 file store, say) is covered without touching this file, because a
 * prune that missed a field would delete live data.
 */
import type { BlobRef } from '../repository/blobs';
import type { Repository } from '../repository/repository';
import type { SnapshotManifest, TreeRoot } from '../repository/snapshots';
import { treeChunkIds } from './tree';

/** Called for a directory listing that cannot be read; without it the error rejects the walk. */
export type UnreadableTree = (root: TreeRoot, err: Error) => void;

function isBlobRef(value: unknown): value is BlobRef {
  const v = value as Partial<BlobRef> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.chunks) && typeof v.sha256 === 'string' && typeof v.size === 'number';
}

function isTreeRoot(value: unknown): value is TreeRoot {
  const v = value as Partial<TreeRoot> | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && isBlobRef(v.tree);
}

/** Collects every blob and tree root anywhere in `value`. */
function findReferences(value: unknown, blobs: BlobRef[], trees: TreeRoot[]): void {
  if (Array.isArray(value)) {
    for (const item of value) findReferences(item, blobs, trees);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (isBlobRef(value)) {
    blobs.push(value);
    return;
  }
  if (isTreeRoot(value)) trees.push(value); // its listing blob is collected by the recursion below
  for (const child of Object.values(value)) findReferences(child, blobs, trees);
}

/**
 * Listings already walked into a given result set, by content (size and SHA-256): an unchanged directory
 * (the config, the plugins, a file store between two quiet backups) has the same listing in every
 * snapshot, and walking it again would add nothing to the same set.
 */
const walkedInto = new WeakMap<Set<string>, Set<string>>();

/**
 * Adds every chunk id `snapshot` references to `into` (and returns it). A listing walked before into the
 * same set is not read again. Reading a directory listing needs
 * its chunks to be sound: an unreadable listing rejects, unless `onUnreadableTree` is given, in which case
 * the listing's own chunks are still added and the walk goes on.
 */
export async function snapshotChunkIds(repository: Repository, snapshot: SnapshotManifest, into = new Set<string>(), onUnreadableTree?: UnreadableTree): Promise<Set<string>> {
  const blobs: BlobRef[] = [];
  const trees: TreeRoot[] = [];
  findReferences(snapshot, blobs, trees);
  for (const blob of blobs) for (const id of blob.chunks) into.add(id);
  const walked = walkedInto.get(into) ?? new Set<string>();
  walkedInto.set(into, walked);
  for (const root of trees) {
    const key = `${root.tree.size}:${root.tree.sha256}`;
    if (walked.has(key)) continue;
    try {
      await treeChunkIds(repository, root, into);
      walked.add(key);
    } catch (err) {
      if (!onUnreadableTree) throw err;
      onUnreadableTree(root, err as Error);
    }
  }
  return into;
}
