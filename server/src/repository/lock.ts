/**
 * The repository lock guards writers. A lock is a small plain JSON file "locks/<id>" naming its owner
 * (host, pid, a random per-process owner id, the kernel boot and pid namespace: ./lock-owner.ts) and the
 * operation, rewritten by a heartbeat while the owner works. A lock is stale when its owner is provably
 * gone (same host, kernel boot and pid namespace, and the pid is gone) or when the store's own clock says
 * it was last written more than STALE_AFTER_MS ago (./lock-files.ts). A stale lock is removed with a
 * warning that says whose it was, never silently ignored.
 *
 * Acquire: remove stale locks, refuse when a live one exists, write ours (atomically: a reader sees all
 * of it or nothing), then list again and back off if another writer slipped in between (works on stores
 * without atomic rename, like S3).
 *
 * Holding: each heartbeat first reads our lock back. When it is gone or no longer ours (another writer
 * judged it stale and took over), or when refreshing has failed for LOST_AFTER_MS (half the staleness
 * bound, so we stop before anyone may take over), the lock is lost: `signal` aborts with LOCK_LOST and the
 * operation stops. Writers call check() right before the write that makes their work visible (a manifest).
 */
import { randomBytes } from 'node:crypto';
import { ExitCode, MmBackupError } from '../common/errors';
import type { Reporter } from '../common/reporter';
import type { Destination } from '../destinations/destination';
import { lockAgeMs, readLockFiles, storageNow, warnMalformed, type LockFile, type LockInfo } from './lock-files';
import { ownerIsGone, thisProcess } from './lock-owner';

export type { LockInfo } from './lock-files';

/** Intervals; mutable only so that tests can run a heartbeat in milliseconds. */
export const lockTiming = {
  heartbeatMs: 60_000,
  staleAfterMs: 10 * 60_000,
  lostAfterMs: 5 * 60_000,
};

export interface HeldLock {
  name: string;
  /** Aborts (reason: an MmBackupError LOCK_LOST, exit 3) when the lock is lost while held. */
  signal: AbortSignal;
  /** Rejects with LOCK_LOST unless the lock is ours right now, read back from the store. */
  check(): Promise<void>;
  release(): Promise<void>;
}

/** Why a lock is stale, or undefined when it is live. */
export function staleness(lock: LockFile, now: Date | undefined): string | undefined {
  if (ownerIsGone(lock.info)) return `its process ${lock.info.pid} on this host is gone`;
  const age = lockAgeMs(lock, now);
  if (age > lockTiming.staleAfterMs) return `no heartbeat for ${Math.round(age / 60_000)} minute(s)${lock.modified && now ? ' by the repository storage\'s clock' : ''}`;
  return undefined;
}

function describe(info: LockInfo): string {
  return `"${info.operation}" (pid ${info.pid} on ${info.host}, since ${info.created}, last heartbeat ${info.heartbeat})`;
}

function lockedError(destination: Destination, holder: LockInfo): MmBackupError {
  return new MmBackupError({
    step: 'lock',
    code: 'REPO_LOCKED',
    message: `the repository at ${destination.location} is locked by ${describe(holder)}`,
    fix: `wait for it to finish; if no mmbackup runs on ${holder.host}, run mmbackup unlock (a lock without heartbeat for ${lockTiming.staleAfterMs / 60000} minutes is taken over automatically)`,
    exitCode: ExitCode.locked,
  });
}

function lostError(destination: Destination, operation: string, why: string): MmBackupError {
  return new MmBackupError({
    step: 'lock',
    code: 'LOCK_LOST',
    message: `the ${operation} no longer holds the lock of the repository at ${destination.location} (${why}), so it stopped before making anything visible`,
    fix: 'check that the repository storage is reachable and that no other host removed this lock (mmbackup unlock --force elsewhere), then run it again',
    exitCode: ExitCode.locked,
  });
}

/** Live locks, and the stale ones with why; malformed files are reported and skipped. */
export async function judgeLocks(destination: Destination, reporter: Reporter): Promise<{ live: LockFile[]; stale: Array<LockFile & { why: string }>; malformed: string[] }> {
  const { locks, malformed } = await readLockFiles(destination);
  warnMalformed(destination, malformed, reporter);
  const now = locks.length > 0 ? await storageNow(destination) : undefined;
  const live: LockFile[] = [];
  const stale: Array<LockFile & { why: string }> = [];
  for (const lock of locks) {
    const why = staleness(lock, now);
    if (why) stale.push({ ...lock, why });
    else live.push(lock);
  }
  return { live, stale, malformed: malformed.map((m) => m.name) };
}

/**
 * Removes stale locks and unreadable lock files; with `all`, every lock (the admin's explicit unlock
 * --force). Returns what was removed.
 */
export async function removeLocks(destination: Destination, reporter: Reporter, all = false): Promise<LockInfo[]> {
  const { live, stale, malformed } = await judgeLocks(destination, reporter);
  const removed: LockInfo[] = [];
  for (const lock of stale) {
    reporter.warn(`removing stale lock of ${describe(lock.info)}: ${lock.why}`);
    await destination.remove(lock.name);
    removed.push(lock.info);
  }
  for (const lock of all ? live : []) {
    reporter.warn(`removing lock of ${describe(lock.info)}`);
    await destination.remove(lock.name);
    removed.push(lock.info);
  }
  for (const name of malformed) {
    reporter.warn(`removing unreadable lock file ${name}`);
    await destination.remove(name);
  }
  return removed;
}

export async function acquireLock(destination: Destination, operation: string, reporter: Reporter): Promise<HeldLock> {
  const { live, stale } = await judgeLocks(destination, reporter);
  for (const lock of stale) {
    reporter.warn(`removing stale lock of ${describe(lock.info)}: ${lock.why}`);
    await destination.remove(lock.name);
  }
  if (live.length > 0) throw lockedError(destination, live[0].info);

  const name = `locks/${randomBytes(8).toString('hex')}`;
  const created = new Date().toISOString();
  const info: LockInfo = { ...thisProcess(), operation, created, heartbeat: created };
  await destination.save(name, Buffer.from(JSON.stringify(info)), { exclusive: true });

  const others = (await judgeLocks(destination, { ...reporter, warn: () => {} })).live.filter((l) => l.name !== name); // warned once above
  if (others.length > 0) {
    await destination.remove(name);
    throw lockedError(destination, others[0].info);
  }
  return holdLock(destination, name, info, reporter);
}

/** The heartbeat and the checks of a lock we just wrote. */
function holdLock(destination: Destination, name: string, info: LockInfo, reporter: Reporter): HeldLock {
  const controller = new AbortController();
  let lastRefresh = performance.now();
  let refreshing: Promise<void> = Promise.resolve();
  const lose = (why: string) => {
    if (controller.signal.aborted) return;
    reporter.warn(`lost the repository lock: ${why}`);
    controller.abort(lostError(destination, info.operation, why));
  };
  const stillOurs = async (): Promise<string | undefined> => {
    try {
      const stored = JSON.parse((await destination.load(name)).toString()) as LockInfo;
      return stored.owner === info.owner ? undefined : `${name} now belongs to another process`;
    } catch (err) {
      if (destination.isNotFound(err)) return `${name} was removed, by another writer that judged it stale or by mmbackup unlock --force`;
      throw err;
    }
  };
  let lastError: string | undefined;
  const overdue = () => performance.now() - lastRefresh > lockTiming.lostAfterMs;
  const overdueWhy = () =>
    `its heartbeat could not be written for ${Math.round((performance.now() - lastRefresh) / 1000)} s${lastError ? `: ${lastError}` : ' (the process was paused, or too busy to write it)'}`;
  const refresh = async () => {
    // Past the bound, another writer may be judging the lock stale right now: writing it again could
    // resurrect it beside theirs, so the holder stops instead.
    if (overdue()) return lose(overdueWhy());
    try {
      const gone = await stillOurs();
      if (gone) return lose(gone);
      info.heartbeat = new Date().toISOString();
      await destination.save(name, Buffer.from(JSON.stringify(info)));
      lastRefresh = performance.now();
      lastError = undefined;
    } catch (err) {
      lastError = (err as Error).message;
      if (overdue()) return lose(overdueWhy());
      reporter.warn(`could not refresh the repository lock (will try again): ${lastError}`);
    }
  };
  const timer = setInterval(() => {
    if (!controller.signal.aborted) refreshing = refreshing.then(refresh);
  }, lockTiming.heartbeatMs);
  timer.unref();
  return {
    name,
    signal: controller.signal,
    async check() {
      await refreshing;
      if (!controller.signal.aborted) {
        if (overdue()) lose(overdueWhy());
        else {
          const gone = await stillOurs();
          if (gone) lose(gone);
        }
      }
      controller.signal.throwIfAborted();
    },
    async release() {
      clearInterval(timer);
      await refreshing;
      // A lock taken over belongs to someone else now: never remove theirs.
      if ((await stillOurs().catch(() => undefined)) === undefined) await destination.remove(name);
    },
  };
}
