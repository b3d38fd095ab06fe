/**
 * File-system work handed to the sealing workers: listing a tree for a backup, making directories and
 * setting their metadata for a restore are one syscall per entry, tens of thousands of them in a file
 * store, and the main thread has better to do.
 */
import type { PathMetadata, WalkedEntry } from './jobs';
import { sealingPool } from './pool';

export type { PathMetadata, WalkedEntry } from './jobs';

/** The tree under root/rel, depth-first (./list-tree.ts); `partial`: only the directory's own entries. */
export async function listTree(root: string, rel: string, limit: number): Promise<{ entries: WalkedEntry[]; partial: boolean }> {
  const { entries, partial } = await sealingPool().run({ op: 'listTree', root, rel, limit });
  return { entries, partial };
}

/** Makes each directory (and any missing parent) with mode 0700, in any order. */
export async function makeDirectories(paths: string[]): Promise<void> {
  await sealingPool().run({ op: 'makeDirs', paths });
}

/** Sets owner (when given), mode and time of each path. */
export async function setMetadata(targets: PathMetadata[]): Promise<void> {
  await sealingPool().run({ op: 'setMetadata', targets });
}
