/**
 * Reading lock files, and judging their age by the store's own clock.
 *
 * A lock file that cannot be parsed (a zero-byte file left by an older mmbackup killed mid-write, a stray
 * file an admin put there) is reported and skipped: it never blocks a backup, a prune or `unlock`, which
 * removes it.
 *
 * Age: a heartbeat rewrites the lock file, so its last-modified time (the store's clock: a local file's
 * mtime, S3's Last-Modified) is its last sign of life. "Now" is the last-modified time of a probe object
 * written by the reader to the same store, so both times come from the same clock, as restic compares
 * times on the backend. A store that tells no times falls back to the heartbeat field against the reader's
 * clock; then the staleness bound (10 minutes, ten heartbeats) is also the margin for the two clocks.
 */
import { randomBytes } from 'node:crypto';
import type { Reporter } from '../common/reporter';
import type { Destination } from '../destinations/destination';
import type { LockOwner } from './lock-owner';

export interface LockInfo extends Partial<Pick<LockOwner, 'owner' | 'namespace'>> {
  host: string;
  pid: number;
  operation: string;
  created: string;
  heartbeat: string;
}

export interface LockFile {
  name: string;
  info: LockInfo;
  /** The store's last-modified time of the file, when it tells. */
  modified?: Date;
}

export interface LockListing {
  locks: LockFile[];
  /** Files under locks/ that are not locks: each with why. */
  malformed: Array<{ name: string; problem: string }>;
}

function parseLock(data: Buffer): LockInfo {
  const info = JSON.parse(data.toString()) as LockInfo;
  if (!info || typeof info !== 'object' || typeof info.host !== 'string' || typeof info.pid !== 'number' || typeof info.operation !== 'string' || typeof info.heartbeat !== 'string') {
    throw new Error('it lacks host, pid, operation or heartbeat');
  }
  return info;
}

/** Every lock file, parsed; files removed meanwhile are left out, unparseable ones listed apart. */
export async function readLockFiles(destination: Destination): Promise<LockListing> {
  const listing: LockListing = { locks: [], malformed: [] };
  for await (const object of destination.list('locks/')) {
    let data: Buffer;
    let modified: Date | undefined;
    try {
      modified = (await destination.stat(object.name)).modified;
      data = await destination.load(object.name);
    } catch (err) {
      if (destination.isNotFound(err)) continue; // released meanwhile
      throw err;
    }
    try {
      listing.locks.push({ name: object.name, info: parseLock(data), modified });
    } catch (err) {
      listing.malformed.push({ name: object.name, problem: data.length === 0 ? 'it is empty' : (err as Error).message });
    }
  }
  return listing;
}

export function warnMalformed(destination: Destination, malformed: LockListing['malformed'], reporter: Reporter): void {
  for (const m of malformed) {
    reporter.warn(`ignored ${m.name} in ${destination.location}: not a readable lock (${m.problem}); remove it with mmbackup unlock`);
  }
}

/**
 * The store's "now": the last-modified time of a probe object written and removed here. Undefined when the
 * store does not tell times. Probes go under preflight/, which nothing reads as data (and which S3
 * Object Lock leaves unlocked).
 */
export async function storageNow(destination: Destination): Promise<Date | undefined> {
  const name = `preflight/clock-${randomBytes(8).toString('hex')}`;
  try {
    await destination.save(name, Buffer.alloc(0));
    return (await destination.stat(name)).modified;
  } catch {
    return undefined; // a store that cannot be written now (a dry run on a read-only copy): the reader's clock
  } finally {
    await destination.remove(name).catch(() => {});
  }
}

/** How long ago the lock last showed life: by the store's clock when both times are known. */
export function lockAgeMs(lock: LockFile, now: Date | undefined): number {
  if (lock.modified && now) return now.getTime() - lock.modified.getTime();
  return Date.now() - Date.parse(lock.info.heartbeat);
}
