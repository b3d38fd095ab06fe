/**
 * The walk of a directory tree: every entry under a root in sorted, depth-first order, listed by the
 * sealing workers (../repository/workers/list-tree.ts), so the main thread only compares and captures. A
 * subtree of up to LIST_LIMIT entries is one job; a larger one is split into its subdirectories, listed
 * SUBTREES_AHEAD jobs ahead of the one being consumed (several small sibling subtrees to a job, when the
 * previous listing tells their size): on a cold disk both workers keep a request in flight, on a warm cache
 * both cores walk. A directory of more than LIST_LIMIT entries comes as its sorted names, and their
 * metadata is asked for LIST_LIMIT at a time.
 *
 * Entries come in batches, as the jobs listed them: a consumer pays one await per batch, not per entry.
 * A backup's walk (`backup`) comes as its listing lines, with only the files to read as entries
 * (ListingContext in ../repository/workers/jobs.ts): each job is given its part of the previous listing.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { quiet } from '../common/quiet';
import { listTree, listTrees, statNames, type ListedCounts, type ListingContext, type TreeListing, type WalkedEntry } from '../repository/workers/fs-jobs';
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
 * root's listing starts before the first batch is asked for (for a backup with a small previous listing,
 * once that is read: PreviousListing.forRoot()).
 */
export function walkTree(root: string, options: WalkOptions = {}): AsyncGenerator<WalkBatch> {
  const walk: Walk = { root, limit: options.limit ?? LIST_LIMIT, listings: options.listings ?? { reused: 0 } };
  const { backup } = options;
  const listing = quiet(
    Promise.resolve(backup?.previous).then(async (previous) => {
      if (backup) walk.backup = { settledBefore: backup.settledBefore, previous };
      return listTree(root, '', walk.limit, await contextOf(walk, (p) => p.forRoot(walk.limit)));
    }),
  );
  return walkFrom(walk, '', listing);
}

/** A backup job's context: the settling time, and what `part` takes of the previous listing (once it is read that far). */
async function contextOf(walk: Walk, part: (previous: PreviousListing) => Promise<Omit<ListingContext, 'settledBefore'>>): Promise<ListingContext | undefined> {
  if (!walk.backup) return undefined;
  const { settledBefore, previous } = walk.backup;
  return previous ? { settledBefore, ...(await part(previous)) } : { settledBefore };
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
    return quiet(contextOf(walk, (p) => p.forNames(rel, part, names.length)).then((context) => statNames(walk.root, rel, part, context)));
  };
  let next = slice(0);
  for (let from = 0; from < names.length; from += limit) {
    const current = await next;
    if (from + limit < names.length) next = slice(from + limit);
    yield* withSubtrees(walk, current);
  }
}

/**
 * The entries, each directory's subtree right after it, listed SUBTREES_AHEAD jobs ahead: a batch runs up
 * to and including a directory, then come the batches of its subtree; the listing's tail comes last.
 * Consecutive subdirectories whose previous subtrees together fit in a job are listed by one job.
 */
async function* withSubtrees(walk: Walk, listed: WalkBatch): AsyncGenerator<WalkBatch> {
  const { entries } = listed;
  const started = new Map<number, { listing: Listing; lastOfJob: boolean; lastDir: string }>();
  let jobsAhead = 0;
  let scheduled = 0;
  let from = 0;
  for (let i = 0; i < entries.length; i++) {
    while (jobsAhead < SUBTREES_AHEAD && scheduled < entries.length) {
      const group = nextGroup(walk, entries, scheduled);
      scheduled = group.next;
      if (group.members.length === 0) continue;
      const listings = quiet(listGroup(walk, group.members.map((at) => entries[at])));
      const lastDir = entries[group.members[group.members.length - 1]].rel;
      group.members.forEach((at, k) => started.set(at, { listing: quiet(listings.then((all) => all[k])), lastOfJob: k === group.members.length - 1, lastDir }));
      jobsAhead++;
    }
    const subtree = started.get(i);
    if (!subtree) continue;
    started.delete(i);
    if (subtree.lastOfJob) jobsAhead--;
    yield { entries: entries.slice(from, i + 1) };
    from = i + 1;
    // Reached: the previous listing is read as far as this job's directories now, whatever it holds, and
    // what comes before this directory may go.
    walk.backup?.previous?.reached(entries[i].rel);
    void walk.backup?.previous?.need(subtree.lastDir, walk.limit).catch(() => {}); // a failure is the job's to report
    yield* walkFrom(walk, entries[i].rel, subtree.listing);
  }
  if (from < entries.length || listed.tail || listed.counts) yield { entries: entries.slice(from), tail: listed.tail, counts: listed.counts };
}

/**
 * The subdirectories from `at` on that one job lists: the next one, and those after it while their
 * subtrees in the previous listing (read that far already) add up to no more than a job's limit.
 */
function nextGroup(walk: Walk, entries: WalkedEntry[], at: number): { members: number[]; next: number } {
  const members: number[] = [];
  const previous = walk.backup?.previous;
  let lines = 0;
  let next = at;
  for (; next < entries.length; next++) {
    const entry = entries[next];
    if (entry.kind !== 'd') continue;
    const size = previous?.sizeOf(entry.rel);
    if (members.length > 0 && (size === undefined || lines + size > walk.limit)) break;
    members.push(next);
    if (size === undefined) {
      next++;
      break;
    }
    lines += size;
  }
  return { members, next };
}

/** The listings of the subtrees of `dirs`, as one job. */
async function listGroup(walk: Walk, dirs: WalkedEntry[]): Promise<TreeListing[]> {
  const contexts = await Promise.all(dirs.map((dir) => contextOf(walk, (p) => p.forDir(dir, walk.limit))));
  return listTrees(walk.root, walk.limit, dirs.map((dir, k) => ({ rel: dir.rel, backup: contexts[k] })));
}
