/**
 * File-system work a restore hands to the sealing workers: making directories and setting their metadata
 * are one syscall each, tens of thousands of them in a file store, and the main thread has better to do.
 */
import type { PathMetadata } from './jobs';
import { sealingPool } from './pool';

export type { PathMetadata } from './jobs';

/** Makes each directory (and any missing parent) with mode 0700, in any order. */
export async function makeDirectories(paths: string[]): Promise<void> {
  await sealingPool().run({ op: 'makeDirs', paths });
}

/** Sets owner (when given), mode and time of each path. */
export async function setMetadata(targets: PathMetadata[]): Promise<void> {
  await sealingPool().run({ op: 'setMetadata', targets });
}
