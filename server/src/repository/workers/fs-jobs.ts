/**
 * File-system work handed to the sealing workers: listing a tree for a backup, making directories and
 * setting their metadata for a restore are one syscall per entry, tens of thousands of them in a file
 * store, and the main thread has better to do.
 */
import type { KnownDir, PathMetadata, TreeListing, WalkedEntry } from './jobs';
import { encodeKnownDirs } from './known-dirs';
import { sealingPool } from './pool';

export type { KnownDir, PathMetadata, TreeListing, WalkedEntry } from './jobs';
export { stillKnown } from './list-tree';

/**
 * The tree under root/rel, depth-first, or part of it (./list-tree.ts, TreeListing), taking the names of the
 * directories `known` (what an earlier walk saw of them) still gives.
 */
export async function listTree(root: string, rel: string, limit: number, known?: KnownDir[]): Promise<TreeListing> {
  const { entries, partial, names, reused } = await sealingPool().run({ op: 'listTree', root, rel, limit, known: known && encodeKnownDirs(known) });
  return { entries, partial, names, reused };
}

/** The entries `names` of the directory root/rel, in that order, each with its lstat. */
export async function statNames(root: string, rel: string, names: string[]): Promise<WalkedEntry[]> {
  return (await sealingPool().run({ op: 'statNames', root, rel, names })).entries;
}

/** Makes each directory (and any missing parent) with mode 0700, in any order. */
export async function makeDirectories(paths: string[]): Promise<void> {
  await sealingPool().run({ op: 'makeDirs', paths });
}

/** Sets owner (when given), mode and time of each path. */
export async function setMetadata(targets: PathMetadata[]): Promise<void> {
  await sealingPool().run({ op: 'setMetadata', targets });
}
