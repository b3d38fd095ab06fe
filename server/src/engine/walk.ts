/**
 * The walk of a directory tree for a backup: every entry under a root in sorted, depth-first order, listed
 * by the sealing workers (../repository/workers/list-tree.ts), so the main thread only compares and
 * captures. A subtree of up to LIST_LIMIT entries is one job; a larger one is split into its
 * subdirectories, listed SUBTREES_AHEAD at a time ahead of the one being consumed: on a cold disk both
 * workers keep a request in flight, on a warm cache both cores walk.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { listTree, type WalkedEntry } from '../repository/workers/fs-jobs';

export type { WalkedEntry } from '../repository/workers/fs-jobs';

/** Entries one job may return: big enough that a job costs little per entry, small enough to split a store. */
const LIST_LIMIT = 1024;
const SUBTREES_AHEAD = 8;

type Listing = Promise<{ entries: WalkedEntry[]; partial: boolean }>;

/** The root's listing starts at once, before the first entry is asked for. */
export function walkTree(root: string): AsyncGenerator<WalkedEntry> {
  return walkFrom(root, quiet(listTree(root, '', LIST_LIMIT)));
}

async function* walkFrom(root: string, listing: Listing): AsyncGenerator<WalkedEntry> {
  const { entries, partial } = await listing;
  // A listing started ahead may be ready already: the event loop (the bridge's HTTP) still gets a turn per job.
  await yieldToEventLoop();
  if (!partial) {
    yield* entries;
    return;
  }
  const started = new Map<number, Listing>();
  let scheduled = 0;
  for (let i = 0; i < entries.length; i++) {
    for (; started.size < SUBTREES_AHEAD && scheduled < entries.length; scheduled++) {
      const entry = entries[scheduled];
      if (entry.kind === 'd') started.set(scheduled, quiet(listTree(root, entry.rel, LIST_LIMIT)));
    }
    yield entries[i];
    const subtree = started.get(i);
    if (!subtree) continue;
    started.delete(i);
    yield* walkFrom(root, subtree);
  }
}

/** A listing started ahead is awaited later, in order; a failure meanwhile is not an unhandled rejection. */
function quiet(listing: Listing): Listing {
  listing.catch(() => {});
  return listing;
}
