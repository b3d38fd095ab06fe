/**
 * File-system work handed to the sealing workers: listing a tree for a backup, making directories and
 * setting their metadata for a restore are one syscall per entry, tens of thousands of them in a file
 * store, and the main thread has better to do.
 */
import type { ListingContext, PathMetadata, TreeListing } from './jobs';
import { sealingPool } from './pool';

export type { ListedCounts, ListingContext, PathMetadata, TreeListing, WalkedEntry } from './jobs';

/**
 * The tree under root/rel, depth-first, or part of it (./list-tree.ts, TreeListing); for a backup, as its
 * listing lines, with the previous listing's lines for the subtree.
 */
export async function listTree(root: string, rel: string, limit: number, backup?: ListingContext): Promise<TreeListing> {
  return (await listTrees(root, limit, [{ rel, backup }]))[0];
}

/** listTree() of each of `dirs`, as one job. */
export async function listTrees(root: string, limit: number, dirs: { rel: string; backup?: ListingContext }[]): Promise<TreeListing[]> {
  return (await sealingPool().run({ op: 'listTree', root, limit, dirs })).listings;
}

/** The entries `names` of the directory root/rel, in that order, each with its lstat; for a backup, as lines. */
export async function statNames(root: string, rel: string, names: string[], backup?: ListingContext): Promise<TreeListing> {
  const { entries, partial, reused, tail, counts } = await sealingPool().run({ op: 'statNames', root, rel, names, backup });
  return { entries, partial, reused, tail, counts };
}

/** Makes each directory (and any missing parent) with mode 0700, in any order. */
export async function makeDirectories(paths: string[]): Promise<void> {
  await sealingPool().run({ op: 'makeDirs', paths });
}

/** Sets owner (when given), mode and time of each path. */
export async function setMetadata(targets: PathMetadata[]): Promise<void> {
  await sealingPool().run({ op: 'setMetadata', targets });
}
