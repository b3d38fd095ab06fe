/**
 * The walk of a directory tree for a backup: every entry under a root in sorted, depth-first order, listed
 * by the sealing workers (../repository/workers/list-tree.ts), so the main thread only compares and
 * captures. A subtree of up to LIST_LIMIT entries is one job; a larger one is split into its
 * subdirectories, listed SUBTREES_AHEAD at a time ahead of the one being consumed: on a cold disk both
 * workers keep a request in flight, on a warm cache both cores walk. A directory of more than LIST_LIMIT
 * entries comes as its sorted names, and their metadata is asked for LIST_LIMIT at a time. A directory the
 * previous capture shows unchanged is not read again, only its entries lstat'ed (PreviousDirectories).
 */
import { promises as fs } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { listTree, statNames, type KnownDirectories, type KnownDirectory, type TreeListing, type WalkedEntry } from '../repository/workers/fs-jobs';

export type { KnownDirectory, WalkedEntry } from '../repository/workers/fs-jobs';

/**
 * Entries one job may return: big enough that a job costs little per entry, small enough to split a store,
 * and to keep a directory of a million entries (Mattermost's users/ on a large install) from being one message.
 */
const LIST_LIMIT = 1024;
const SUBTREES_AHEAD = 8;

type Listing = Promise<TreeListing>;

/**
 * The directories of the previous capture of a root, in listing order, and from when their ctimes are too
 * recent to trust (../repository/workers/list-tree.ts).
 */
export class PreviousDirectories {
  private readonly order: string[] = [];
  private readonly position = new Map<string, number>();
  private readonly dirs = new Map<string, KnownDirectory>();

  constructor(readonly trustBefore: number) {}

  get size(): number {
    return this.order.length;
  }

  add(rel: string, dir: KnownDirectory): void {
    this.position.set(rel, this.order.push(rel) - 1);
    this.dirs.set(rel, dir);
  }

  get(rel: string): KnownDirectory | undefined {
    return this.dirs.get(rel);
  }

  /**
   * The directories under `rel`, in order, until they hold about `limit` names: all a job listing that
   * subtree can reach before it gives up. A depth-first listing holds a subtree in one run after its root.
   */
  under(rel: string, limit: number): Record<string, KnownDirectory> {
    const found: Record<string, KnownDirectory> = {};
    const start = rel === '' ? 0 : this.position.get(rel);
    if (start === undefined) return found;
    const prefix = rel === '' ? '' : `${rel}/`;
    let names = 0;
    for (let i = rel === '' ? 0 : start + 1; i < this.order.length && names <= limit; i++) {
      const next = this.order[i];
      if (!next.startsWith(prefix)) break;
      const dir = this.dirs.get(next)!;
      found[next] = dir;
      names += dir.names.length;
    }
    return found;
  }
}

/**
 * File systems whose directories' mtime and ctime are kept by the local kernel on every change of their
 * entries: ext2/3/4, XFS, Btrfs, tmpfs, ZFS, F2FS. Network and FUSE file systems (NFS, SMB, s3fs, rclone)
 * report what their server or daemon says, which for some is a fixed time: there every directory is read.
 */
const KEEPS_DIRECTORY_TIMES = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x2fc12fc1, 0xf2f52010]);

/** What a walk of `root` may take from the previous capture: nothing unless root's file system keeps directory times. */
async function trustedDirectories(root: string, previous: PreviousDirectories | undefined): Promise<((rel: string, limit: number) => KnownDirectories) | undefined> {
  if (!previous || previous.size === 0) return undefined;
  const [system, top] = await Promise.all([fs.statfs(root), fs.stat(root)]);
  if (!KEEPS_DIRECTORY_TIMES.has(system.type)) return undefined;
  return (rel, limit) => ({ dev: top.dev, trustBefore: previous.trustBefore, dirs: previous.under(rel, limit) });
}

interface Walk {
  root: string;
  limit: number;
  /** Set once the previous capture is read: the known directories of a job's subtree. */
  known?: (rel: string, limit: number) => KnownDirectories;
}

/**
 * The root's listing starts at once, before the first entry is asked for. With `previous` (the previous
 * capture's directories, usually still being read), jobs started once it is there skip the directories
 * it shows unchanged.
 */
export function walkTree(root: string, limit = LIST_LIMIT, previous?: Promise<PreviousDirectories | undefined>): AsyncGenerator<WalkedEntry> {
  const walk: Walk = { root, limit };
  if (previous) {
    void previous.then((dirs) => trustedDirectories(root, dirs)).then(
      (known) => void (walk.known = known),
      () => {}, // then every directory is read, as without a previous capture
    );
  }
  return walkFrom(walk, '', list(walk, ''));
}

function list(walk: Walk, rel: string): Listing {
  return quiet(listTree(walk.root, rel, walk.limit, walk.known?.(rel, walk.limit)));
}

/** The entries under root/rel, from its listing. */
async function* walkFrom(walk: Walk, rel: string, listing: Listing): AsyncGenerator<WalkedEntry> {
  const { root, limit } = walk;
  const { entries, partial, names } = await listing;
  // A listing started ahead may be ready already: the event loop (the bridge's HTTP) still gets a turn per job.
  await yieldToEventLoop();
  if (!partial) {
    yield* entries;
    return;
  }
  if (!names) {
    yield* withSubtrees(walk, entries);
    return;
  }
  // A directory too large for one job: its entries come in slices of `limit`, the next asked for ahead.
  const slice = (from: number) => quiet(statNames(root, rel, names.slice(from, from + limit)));
  let next = slice(0);
  for (let from = 0; from < names.length; from += limit) {
    const current = await next;
    if (from + limit < names.length) next = slice(from + limit);
    yield* withSubtrees(walk, current);
  }
}

/** Each entry, then (for a directory) its subtree, listed SUBTREES_AHEAD subtrees ahead. */
async function* withSubtrees(walk: Walk, entries: WalkedEntry[]): AsyncGenerator<WalkedEntry> {
  const started = new Map<number, Listing>();
  let scheduled = 0;
  for (let i = 0; i < entries.length; i++) {
    for (; started.size < SUBTREES_AHEAD && scheduled < entries.length; scheduled++) {
      const entry = entries[scheduled];
      if (entry.kind === 'd') started.set(scheduled, list(walk, entry.rel));
    }
    yield entries[i];
    const subtree = started.get(i);
    if (!subtree) continue;
    started.delete(i);
    yield* walkFrom(walk, entries[i].rel, subtree);
  }
}

/** A listing started ahead is awaited later, in order; a failure meanwhile is not an unhandled rejection. */
function quiet<T>(listing: Promise<T>): Promise<T> {
  listing.catch(() => {});
  return listing;
}
