/**
 * The walk of a directory tree for a backup: every entry under a root in sorted, depth-first order, listed
 * by the sealing workers (../repository/workers/list-tree.ts), so the main thread only compares and
 * captures. A subtree of up to LIST_LIMIT entries is one job; a larger one is split into its
 * subdirectories, listed SUBTREES_AHEAD at a time ahead of the one being consumed: on a cold disk both
 * workers keep a request in flight, on a warm cache both cores walk. A directory of more than LIST_LIMIT
 * entries comes as its sorted names, and their metadata is asked for LIST_LIMIT at a time.
 *
 * Entries come in batches, as the jobs listed them: a consumer pays one await per batch, not per entry
 * (an unchanged re-backup of a store of 40,000 entries does little else per entry).
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { quiet } from '../common/quiet';
import { listTree, statNames, stillKnown, type KnownDir, type TreeListing, type WalkedEntry } from '../repository/workers/fs-jobs';

export type { KnownDir, WalkedEntry } from '../repository/workers/fs-jobs';

/**
 * What an earlier walk saw of each directory under a root, in its depth-first order: a subtree is a run of
 * it, so a listing job is sent only what it can use, whatever the size of the whole.
 */
export class KnownDirs {
  private readonly order: KnownDir[] = [];
  private readonly position = new Map<string, number>();

  /** Adds the next directory, in depth-first order. */
  add(dir: KnownDir): void {
    this.position.set(dir.rel, this.order.length);
    this.order.push(dir);
  }

  /** What the root's listing job is sent: the first `limit` directories with names (the root is read). */
  all(limit: number): KnownDir[] {
    return this.within(0, '', limit, []);
  }

  /**
   * What the listing job of the directory `entry` is sent: the directory itself if its names still hold,
   * and then those of its subtree that have names, no more than the `limit` a job can list.
   */
  forJob(entry: WalkedEntry, limit: number): KnownDir[] | undefined {
    const at = this.position.get(entry.rel);
    if (at === undefined) return undefined;
    return this.within(at + 1, `${entry.rel}/`, limit, stillKnown(this.order[at], entry) ? [this.order[at]] : []);
  }

  /** `part`, then the directories with names from `from` on whose paths start with `inside`, up to `limit`. */
  private within(from: number, inside: string, limit: number, part: KnownDir[]): KnownDir[] {
    for (let i = from; i < this.order.length && part.length <= limit && this.order[i].rel.startsWith(inside); i++) {
      if (this.order[i].names !== undefined) part.push(this.order[i]);
    }
    return part;
  }
}

/**
 * Entries one job may return: big enough that a job costs little per entry, small enough to split a store,
 * and to keep a directory of a million entries (Mattermost's users/ on a large install) from being one message.
 */
const LIST_LIMIT = 1024;
const SUBTREES_AHEAD = 8;

type Listing = Promise<TreeListing>;

export interface WalkOptions {
  /** What an earlier walk saw of the root: directories still as they were then are not read again. */
  known?: KnownDirs | Promise<KnownDirs | undefined>;
  /** Entries one job may return (LIST_LIMIT). */
  limit?: number;
  /** Counts the directories whose names were taken from `known`. */
  listings?: { reused: number };
}

/**
 * The walk in batches of entries (never empty), in order. The root's listing starts as soon as `known` is
 * there, before the first batch is asked for.
 */
export function walkTree(root: string, options: WalkOptions = {}): AsyncGenerator<WalkedEntry[]> {
  const walk: Walk = { root, limit: options.limit ?? LIST_LIMIT, listings: options.listings ?? { reused: 0 } };
  const listing = quiet(
    Promise.resolve(options.known).then((known) => {
      walk.known = known;
      return listTree(root, '', walk.limit, known?.all(walk.limit));
    }),
  );
  return walkFrom(walk, '', listing);
}

interface Walk {
  root: string;
  limit: number;
  listings: { reused: number };
  known?: KnownDirs;
}

/** The entries under root/rel, from its listing. */
async function* walkFrom(walk: Walk, rel: string, listing: Listing): AsyncGenerator<WalkedEntry[]> {
  const { entries, partial, names, reused } = await listing;
  walk.listings.reused += reused;
  // A listing started ahead may be ready already: the event loop (the bridge's HTTP) still gets a turn per job.
  await yieldToEventLoop();
  if (!partial) {
    if (entries.length > 0) yield entries;
    return;
  }
  if (!names) {
    yield* withSubtrees(walk, entries);
    return;
  }
  // A directory too large for one job: its entries come in slices of `limit`, the next asked for ahead.
  const { limit } = walk;
  const slice = (from: number) => quiet(statNames(walk.root, rel, names.slice(from, from + limit)));
  let next = slice(0);
  for (let from = 0; from < names.length; from += limit) {
    const current = await next;
    if (from + limit < names.length) next = slice(from + limit);
    yield* withSubtrees(walk, current);
  }
}

/**
 * The entries, each directory's subtree right after it, listed SUBTREES_AHEAD subtrees ahead: a batch runs
 * up to and including a directory, then come the batches of its subtree.
 */
async function* withSubtrees(walk: Walk, entries: WalkedEntry[]): AsyncGenerator<WalkedEntry[]> {
  const started = new Map<number, Listing>();
  let scheduled = 0;
  let from = 0;
  for (let i = 0; i < entries.length; i++) {
    for (; started.size < SUBTREES_AHEAD && scheduled < entries.length; scheduled++) {
      const entry = entries[scheduled];
      if (entry.kind === 'd') started.set(scheduled, quiet(listTree(walk.root, entry.rel, walk.limit, walk.known?.forJob(entry, walk.limit))));
    }
    const subtree = started.get(i);
    if (!subtree) continue;
    started.delete(i);
    yield entries.slice(from, i + 1);
    from = i + 1;
    yield* walkFrom(walk, entries[i].rel, subtree);
  }
  if (from < entries.length) yield entries.slice(from);
}
