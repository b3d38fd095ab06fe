/**
 * Who holds a lock, precisely enough that "its process is gone" is only ever concluded when it is true.
 * A hostname and a pid are not enough: two containers may share a hostname, and each has its own pid
 * numbering, so pid 7 gone here says nothing about pid 7 there. A lock therefore also records:
 * - `owner`: random per process, so a lock is recognised as ours (or as replaced) by content alone;
 * - `namespace`: the kernel's boot id and this process's pid-namespace inode. Two processes share it only
 *   when they run on the same kernel boot and see the same pids: only then can a pid be checked here.
 */
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { processIsAlive, processNamespace } from '../common/child-process';

/** Random per process: distinguishes this process's locks from any other's, whatever the pids. */
export const PROCESS_OWNER = randomBytes(8).toString('hex');

/** See processNamespace() in ../common/child-process.ts; empty means no lock is ever judged by its pid. */
export function pidNamespace(): string {
  return processNamespace();
}

export interface LockOwner {
  host: string;
  pid: number;
  owner: string;
  namespace: string;
}

export function thisProcess(): LockOwner {
  return { host: os.hostname(), pid: process.pid, owner: PROCESS_OWNER, namespace: pidNamespace() };
}

/**
 * True only when the lock's process provably no longer exists: it was taken on this host, in this kernel
 * boot and this pid namespace, and no process has its pid. A lock from another container with the same
 * hostname, or one written by an mmbackup that did not record its namespace, is never judged this way.
 */
export function ownerIsGone(lock: Partial<LockOwner>, here: LockOwner = thisProcess()): boolean {
  if (!here.namespace || lock.namespace !== here.namespace || lock.host !== here.host) return false;
  if (typeof lock.pid !== 'number') return false;
  if (lock.pid === here.pid) return lock.owner !== here.owner; // our pid, another owner: a previous life of this pid
  return !processIsAlive(lock.pid);
}
