/**
 * The repository lock guards writers. A lock is a small plain JSON file "locks/<id>" naming its owner
 * (host, pid, operation) with a heartbeat refreshed while the owner works. A lock is stale when its owner
 * is provably dead (same host, process gone) or its heartbeat is older than STALE_AFTER_MS; a stale lock is
 * removed with a warning that says whose it was, never silently ignored.
 *
 * Acquire: remove stale locks, refuse when a live one exists, write ours exclusively, then list again and
 * back off if another writer slipped in between (works on stores without atomic rename, like S3).
 */
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { ExitCode, MmBackupError } from '../common/errors';
import type { Reporter } from '../common/reporter';
import type { Destination } from '../destinations/destination';

export const HEARTBEAT_MS = 60_000;
export const STALE_AFTER_MS = 10 * 60_000;

export interface LockInfo {
  host: string;
  pid: number;
  operation: string;
  created: string;
  heartbeat: string;
}

export interface HeldLock {
  name: string;
  release(): Promise<void>;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isStale(lock: LockInfo, now = Date.now(), host = os.hostname()): boolean {
  if (lock.host === host && !processIsAlive(lock.pid)) return true;
  return now - Date.parse(lock.heartbeat) > STALE_AFTER_MS;
}

async function readLocks(destination: Destination): Promise<Array<{ name: string; info: LockInfo }>> {
  const locks: Array<{ name: string; info: LockInfo }> = [];
  for await (const object of destination.list('locks/')) {
    try {
      locks.push({ name: object.name, info: JSON.parse((await destination.load(object.name)).toString()) });
    } catch (err) {
      if (!destination.isNotFound(err)) throw err; // released meanwhile
    }
  }
  return locks;
}

function lockedError(destination: Destination, holder: LockInfo): MmBackupError {
  return new MmBackupError({
    step: 'lock',
    code: 'REPO_LOCKED',
    message: `the repository at ${destination.location} is locked by "${holder.operation}" (pid ${holder.pid} on ${holder.host}, since ${holder.created}, last heartbeat ${holder.heartbeat})`,
    fix: `wait for it to finish; if no mmbackup runs on ${holder.host}, run mmbackup unlock (a lock without heartbeat for ${STALE_AFTER_MS / 60000} minutes is taken over automatically)`,
    exitCode: ExitCode.locked,
  });
}

/** Removes stale locks; with `all`, every lock (the admin's explicit unlock --force). Returns what was removed. */
export async function removeLocks(destination: Destination, reporter: Reporter, all = false): Promise<LockInfo[]> {
  const removed: LockInfo[] = [];
  for (const { name, info } of await readLocks(destination)) {
    if (!all && !isStale(info)) continue;
    reporter.warn(`removing ${all ? '' : 'stale '}lock of "${info.operation}" (pid ${info.pid} on ${info.host}, last heartbeat ${info.heartbeat})`);
    await destination.remove(name);
    removed.push(info);
  }
  return removed;
}

export async function acquireLock(destination: Destination, operation: string, reporter: Reporter): Promise<HeldLock> {
  await removeLocks(destination, reporter);
  const live = await readLocks(destination);
  if (live.length > 0) throw lockedError(destination, live[0].info);

  const name = `locks/${randomBytes(8).toString('hex')}`;
  const now = new Date().toISOString();
  const info: LockInfo = { host: os.hostname(), pid: process.pid, operation, created: now, heartbeat: now };
  await destination.save(name, Buffer.from(JSON.stringify(info)), { exclusive: true });

  const others = (await readLocks(destination)).filter((l) => l.name !== name && !isStale(l.info));
  if (others.length > 0) {
    await destination.remove(name);
    throw lockedError(destination, others[0].info);
  }

  const timer = setInterval(() => {
    info.heartbeat = new Date().toISOString();
    destination.save(name, Buffer.from(JSON.stringify(info))).catch((err) => reporter.warn(`could not refresh the repository lock: ${(err as Error).message}`));
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    name,
    async release() {
      clearInterval(timer);
      await destination.remove(name);
    },
  };
}
