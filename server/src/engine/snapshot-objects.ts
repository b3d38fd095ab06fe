/**
 * Which stored objects a snapshot needs: the chunks of every blob its manifest names, of its tree listings,
 * and of every file those listings name. Verify checks them, copy carries them to a twin repository, and
 * prune keeps them. Only file chunks need the listings to be read (decrypted) to be known.
 */
import type { BlobRef } from '../repository/blobs';
import type { Repository } from '../repository/repository';
import type { SnapshotManifest, TreeRoot } from '../repository/snapshots';
import { treeChunkIds } from './tree';

/** The blobs the manifest names directly (not through a tree listing). */
export function manifestBlobs(snapshot: SnapshotManifest): BlobRef[] {
  const { db, config } = snapshot.components;
  return [db?.dump, db?.referencedFiles.list, config?.environment].filter((b) => b !== undefined);
}

/** The captured directories: the config directory (or database-held config) and the file store roots. */
export function snapshotTrees(snapshot: SnapshotManifest): TreeRoot[] {
  const { config, files } = snapshot.components;
  return [config?.directory, config?.databaseConfig, ...(files?.roots ?? [])].filter((r) => r !== undefined);
}

export interface SnapshotObjectsOptions {
  /** Ids are added here (shared across snapshots to collect a union); a new set by default. */
  into?: Set<string>;
  /**
   * Called when a tree listing cannot be read (a missing or damaged chunk): the listing's own chunks are
   * still included and the walk goes on. Without it, the error rejects the call, since the set would be
   * incomplete (the files of that listing are unknown).
   */
  onUnreadableTree?(root: TreeRoot, err: Error): void;
}

/**
 * Every object id the snapshot references. Reads (and so authenticates) each tree listing; reads no file
 * or dump content. Rejects when a listing is unreadable and no onUnreadableTree is given.
 */
export async function snapshotObjectIds(repository: Repository, snapshot: SnapshotManifest, options: SnapshotObjectsOptions = {}): Promise<Set<string>> {
  const ids = options.into ?? new Set<string>();
  for (const blob of manifestBlobs(snapshot)) for (const id of blob.chunks) ids.add(id);
  for (const root of snapshotTrees(snapshot)) {
    try {
      await treeChunkIds(repository, root, ids);
    } catch (err) {
      if (!options.onUnreadableTree) throw err;
      for (const id of root.tree.chunks) ids.add(id);
      options.onUnreadableTree(root, err as Error);
    }
  }
  return ids;
}
