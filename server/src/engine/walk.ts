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
import { listTree, statNames, type TreeListing, type WalkedEntry } from '../repository/workers/fs-jobs';

export type { WalkedEntry } from '../repository/workers/fs-jobs';

/**
 * Entries one job may return: big enough that a job costs little per entry, small enough to split a store,
 * and to keep a directory of a million entries (Mattermost's users/ on a large install) from being one message.
 */
const LIST_LIMIT = 1024;
const SUBTREES_AHEAD = 8;

type Listing = Promise<TreeListing>;

/**
 * The walk in batches of entries (never empty), in order. The root's listing starts at once, before the
 * first batch is asked for.
 */
export function walkTree(root: string, limit = LIST_LIMIT): AsyncGenerator<WalkedEntry[]> {
  return walkFrom(root, '', quiet(listTree(root, '', limit)), limit);
}

/** The entries under root/rel, from its listing. */
async function* walkFrom(root: string, rel: string, listing: Listing, limit: number): AsyncGenerator<WalkedEntry[]> {
  const { entries, partial, names } = await listing;
  // A listing started ahead may be ready already: the event loop (the bridge's HTTP) still gets a turn per job.
  await yieldToEventLoop();
  if (!partial) {
    if (entries.length > 0) yield entries;
    return;
  }
  if (!names) {
    yield* withSubtrees(root, entries, limit);
    return;
  }
  // A directory too large for one job: its entries come in slices of `limit`, the next asked for ahead.
  const slice = (from: number) => quiet(statNames(root, rel, names.slice(from, from + limit)));
  let next = slice(0);
  for (let from = 0; from < names.length; from += limit) {
    const current = await next;
    if (from + limit < names.length) next = slice(from + limit);
    yield* withSubtrees(root, current, limit);
  }
}

/**
 * The entries, each directory's subtree right after it, listed SUBTREES_AHEAD subtrees ahead: a batch runs
 * up to and including a directory, then come the batches of its subtree.
 */
async function* withSubtrees(root: string, entries: WalkedEntry[], limit: number): AsyncGenerator<WalkedEntry[]> {
  const started = new Map<number, Listing>();
  let scheduled = 0;
  let from = 0;
  for (let i = 0; i < entries.length; i++) {
    for (; started.size < SUBTREES_AHEAD && scheduled < entries.length; scheduled++) {
      const entry = entries[scheduled];
      if (entry.kind === 'd') started.set(scheduled, quiet(listTree(root, entry.rel, limit)));
    }
    const subtree = started.get(i);
    if (!subtree) continue;
    started.delete(i);
    yield entries.slice(from, i + 1);
    from = i + 1;
    yield* walkFrom(root, entries[i].rel, subtree, limit);
  }
  if (from < entries.length) yield entries.slice(from);
}

/** A listing started ahead is awaited later, in order; a failure meanwhile is not an unhandled rejection. */
function quiet<T>(listing: Promise<T>): Promise<T> {
  listing.catch(() => {});
  return listing;
}
