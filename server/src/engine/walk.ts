/**
 * The walk of a directory tree: every entry under a root in sorted, depth-first order, listed by the
 * sealing workers (../repository/workers/list-tree.ts), so the main thread only compares and captures. A
 * subtree of up to LIST_LIMIT entries is one job; a larger one is split into its subdirectories, listed
 * SUBTREES_AHEAD at a time ahead of the one being consumed: on a cold disk both workers keep a request in
 * flight, on a warm cache both cores walk. A directory of more than LIST_LIMIT entries comes as its sorted
 * names, and their metadata is asked for LIST_LIMIT at a time.
 *
 * Entries come in batches, as the jobs listed them: a consumer pays one await per batch, not per entry.
 * A backup's walk (`backup`) comes as its listing lines, with only the files to read as entries
 * (ListingContext in ../repository/workers/jobs.ts): each job is given its part of the previous listing.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { quiet } from '../common/quiet';
import { listTree, statNames, type ListedCounts, type ListingContext, type TreeListing, type WalkedEntry } from '../repository/workers/fs-jobs';
import type { PreviousListing } from './previous-listing';

export type { ListedCounts, WalkedEntry } from '../repository/workers/fs-jobs';

/** Entries in walk order; for a backup, each with the listing lines before it, and the lines after the last. */
export interface WalkBatch {
  entries: WalkedEntry[];
  tail?: string;
  /** For a backup: what the job that listed this batch counted (given once per job, with its last batch). */
  counts?: ListedCounts;
}

/**
 * Entries one job may return: big enough that a job costs little per entry, small enough to split a store,
 * and to keep a directory of a million entries (Mattermost's users/ on a large install) from being one message.
 */
const LIST_LIMIT = 1024;
const SUBTREES_AHEAD = 8;

type Listing = Promise<TreeListing>;

export interface WalkOptions {
  /** Entries one job may return (LIST_LIMIT). */
  limit?: number;
  /** Counts the directories whose names were taken from the previous listing. */
  listings?: { reused: number };
  /** A backup's walk: its lines, settled directories from `settledBefore`, unchanged content from `previous`. */
  backup?: { settledBefore: number; previous?: PreviousListing | Promise<PreviousListing | undefined> };
}

interface Walk {
  root: string;
  limit: number;
  listings: { reused: number };
  backup?: { settledBefore: number; previous?: PreviousListing };
}

/**
 * The walk in batches (only a backup's may have no entries: its lines then are all it has), in order. The
 * root's listing starts as soon as the previous listing is there, before the first batch is asked for.
 */
export function walkTree(root: string, options: WalkOptions = {}): AsyncGenerator<WalkBatch> {
  const walk: Walk = { root, limit: options.limit ?? LIST_LIMIT, listings: options.listings ?? { reused: 0 } };
  const { backup } = options;
  const listing = quiet(
    Promise.resolve(backup?.previous).then((previous) => {
      if (backup) walk.backup = { settledBefore: backup.settledBefore, previous };
      return listTree(root, '', walk.limit, contextOf(walk, (p) => p.forRoot(walk.limit)));
    }),
  );
  return walkFrom(walk, '', listing);
}

/** A backup job's context: the settling time, and what `part` takes of the previous listing. */
function contextOf(walk: Walk, part: (previous: PreviousListing) => Omit<ListingContext, 'settledBefore'>): ListingContext | undefined {
  if (!walk.backup) return undefined;
  const { settledBefore, previous } = walk.backup;
  return previous ? { settledBefore, ...part(previous) } : { settledBefore };
}

/** The entries under root/rel, from its listing. */
async function* walkFrom(walk: Walk, rel: string, listing: Listing): AsyncGenerator<WalkBatch> {
  const { entries, partial, names, reused, tail, counts } = await listing;
  walk.listings.reused += reused;
  // A listing started ahead may be ready already: the event loop (the bridge's HTTP) still gets a turn per job.
  await yieldToEventLoop();
  if (!partial) {
    if (entries.length > 0 || tail || counts) yield { entries, tail, counts };
    return;
  }
  if (!names) {
    yield* withSubtrees(walk, { entries, tail, counts });
    return;
  }
  // A directory too large for one job: its entries come in slices of `limit`, the next asked for ahead.
  const { limit } = walk;
  const slice = (from: number) => {
    const part = names.slice(from, from + limit);
    return quiet(statNames(walk.root, rel, part, contextOf(walk, (p) => p.forNames(rel, part))));
  };
  let next = slice(0);
  for (let from = 0; from < names.length; from += limit) {
    const current = await next;
    if (from + limit < names.length) next = slice(from + limit);
    yield* withSubtrees(walk, current);
  }
}

/**
 * The entries, each directory's subtree right after it, listed SUBTREES_AHEAD subtrees ahead: a batch runs
 * up to and including a directory, then come the batches of its subtree; the listing's tail comes last.
 */
async function* withSubtrees(walk: Walk, listed: WalkBatch): AsyncGenerator<WalkBatch> {
  const { entries } = listed;
  const started = new Map<number, Listing>();
  let scheduled = 0;
  let from = 0;
  for (let i = 0; i < entries.length; i++) {
    for (; started.size < SUBTREES_AHEAD && scheduled < entries.length; scheduled++) {
      const entry = entries[scheduled];
      if (entry.kind === 'd') started.set(scheduled, quiet(listTree(walk.root, entry.rel, walk.limit, contextOf(walk, (p) => p.forDir(entry, walk.limit)))));
    }
    const subtree = started.get(i);
    if (!subtree) continue;
    started.delete(i);
    yield { entries: entries.slice(from, i + 1) };
    from = i + 1;
    yield* walkFrom(walk, entries[i].rel, subtree);
  }
  if (from < entries.length || listed.tail || listed.counts) yield { entries: entries.slice(from), tail: listed.tail, counts: listed.counts };
}
