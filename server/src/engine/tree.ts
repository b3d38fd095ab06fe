/**
 * Directories (config dir, file store, plugin dirs) are captured as a tree listing: one NDJSON line per
 * entry, in a stable depth-first order, stored as a blob. A file line names the blob of its content, so
 * identical files anywhere share their chunks. When a previous snapshot holds the same path with the same
 * size, mtime and inode, its content ids are reused without reading the file again, as long as those
 * objects are in the repository's index, which the backup lists afresh under the lock (a parent's objects
 * may have been pruned since that parent was written). A directory's line keeps its ctime and inode once
 * its ctime has settled, and the next walk takes the directory's names from the listing while both are
 * the same (./walk.ts): only its entries are lstat'ed again. Both comparisons run on the workers that
 * walk, each on its own subtree's lines of the previous listing (./previous-listing.ts): the main thread
 * gets the lines ready, and only the files to read as entries.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { quiet } from '../common/quiet';
import type { Reporter } from '../common/reporter';
import { Semaphore } from '../destinations/sema';
import { readBlobLines, writeBlob, writeFileBlob, writeSmallFileBlob, type BlobRef, type WriteStats } from '../repository/blobs';
import type { Repository } from '../repository/repository';
import type { TreeRoot } from '../repository/snapshots';
import { FILE_KEY, fileEntry, treeLine, type FileEntry, type TreeEntry } from '../repository/tree-entry';
import { prefetchIfCold } from './cold-prefetch';
import { PreviousListing } from './previous-listing';
import { walkTree, type ListedCounts, type WalkBatch, type WalkedEntry } from './walk';

export { treeLine, type FileEntry, type TreeEntry } from '../repository/tree-entry';

/** The files of a previous capture by path, for a capture that is not a walk (../sources/s3-store/capture.ts). */
export type ParentIndex = Map<string, FileEntry>;

/**
 * A directory's ctime is kept in its line only when it is at least this much older than the walk's start:
 * a change made after the directory was read then moves its ctime past the one kept, even on a network file
 * system whose server's clock lags this host's by up to this much. Timestamps are coarser than a clock.
 */
const SETTLE_MS = 5_000;

/** Reads a stored tree listing entry by entry, without holding it whole. */
export async function* readTree(repository: Repository, tree: BlobRef): AsyncGenerator<TreeEntry> {
  for await (const line of readBlobLines(repository, tree)) if (line) yield JSON.parse(line) as TreeEntry;
}

/**
 * The file entries of a stored tree listing, one by one. A file store is mostly directories (Mattermost's
 * teams/channels/users/posts layout), so the lines of the others are skipped unparsed.
 */
async function* readFileEntries(repository: Repository, tree: BlobRef): AsyncGenerator<FileEntry> {
  for await (const line of readBlobLines(repository, tree)) {
    if (!line.includes(FILE_KEY)) continue;
    const entry = JSON.parse(line) as TreeEntry;
    if (entry.t === 'f') yield entry;
  }
}

/** The files of the previous capture of a root, by path. */
export async function loadParentFiles(repository: Repository, root: TreeRoot | undefined): Promise<ParentIndex> {
  const files: ParentIndex = new Map();
  if (root) for await (const entry of readFileEntries(repository, root.tree)) files.set(entry.p, entry);
  return files;
}

/** What a capture takes from the previous capture of the same root: its listing (none: nothing before it). */
export type ParentCapture = PreviousListing | undefined;

/** A capture with nothing before it. */
export function noParent(): ParentCapture {
  return undefined;
}

/** The previous capture of a root, read once, while the capture that uses it runs (./previous-listing.ts). */
export function loadParent(repository: Repository, root: TreeRoot | undefined): ParentCapture {
  return PreviousListing.load(repository, root);
}

interface CaptureCounters {
  files: number;
  dirs: number;
  bytes: number;
}

export interface CaptureOptions {
  signal?: AbortSignal;
  /** Counts the directories whose names were taken from the previous capture rather than read again. */
  listings?: { reused: number };
  /** A directory whose ctime is before this (ms) keeps it in its line; the default is SETTLE_MS before the walk. */
  settledBefore?: number;
}

/**
 * Files captured at once. Most files are small: each is one job for a sealing worker, and a finished one
 * only waits here for those before it to finish. Enough of them keep every worker busy while a large file
 * at the head of the listing is being chunked.
 */
const FILES_IN_FLIGHT = 64;

/** Entries held behind a file still being captured (directories and unchanged files are known at once). */
const ENTRIES_AHEAD = 4096;

/**
 * Files of several chunks streamed at once: each holds a read buffer and a chunk being cut (up to 4 MiB),
 * and its chunk saves fan out further (../repository/blobs.ts), so this, not FILES_IN_FLIGHT, bounds them.
 */
const LARGE_FILES_AT_ONCE = 2;
const largeFiles = new WeakMap<Repository, Semaphore>();

/** Listing lines are written in pieces of about this many characters: one stream write each, not one per entry. */
const LISTING_PIECE = 64 * 1024;

/** What every entry of one capture shares. */
interface Capture {
  repository: Repository;
  root: string;
  stats: WriteStats;
  counters: CaptureCounters;
  reporter: Reporter;
  previous: Promise<ParentCapture>;
}

/** A place in the listing: lines known at once, or a file's line once its capture settles. */
interface Place {
  lines?: string;
  /** Set while the file is captured; it never rejects: a failure is kept in `failure`. */
  capturing?: Promise<void>;
  /** Why the capture failed: thrown when the listing reaches this place, so no failure is passed over. */
  failure?: unknown;
}

/**
 * The listing, in pieces of lines in walk order. The walk gives most lines ready (directories, symlinks,
 * unchanged files: ./walk.ts); a file to read is captured FILES_IN_FLIGHT at a time ahead of the line being
 * written, and what comes after it waits, up to ENTRIES_AHEAD places. On a failure, captures still running
 * are awaited before it rejects.
 */
async function* captureEntries(capture: Capture, walk: AsyncIterable<WalkBatch>, signal?: AbortSignal): AsyncGenerator<string> {
  const places: Place[] = [];
  let head = 0; // places before it are written
  let capturing = 0;
  let piece = '';
  const writeReady = () => {
    for (; head < places.length && !places[head].capturing; head++) {
      const { lines, failure } = places[head];
      if (failure !== undefined) throw failure;
      if (lines) piece += lines;
    }
    if (head === places.length || head > ENTRIES_AHEAD) {
      places.splice(0, head);
      head = 0;
    }
  };
  const known = (lines: string) => {
    if (head === places.length) piece += lines;
    else places.push({ lines });
  };
  try {
    for await (const batch of walk) {
      signal?.throwIfAborted();
      for (const walked of batch.entries) {
        if (walked.lead) known(walked.lead);
        if (walked.kind !== 'f') {
          if (walked.line) known(walked.line);
          continue;
        }
        while (capturing >= FILES_IN_FLIGHT || places.length - head >= ENTRIES_AHEAD) {
          await places[head].capturing;
          writeReady();
        }
        const place: Place = {};
        capturing++;
        place.capturing = fileLine(capture, walked)
          .then(
            (lines) => void (place.lines = lines),
            (err: unknown) => void (place.failure = err ?? new Error(`capturing ${walked.rel} failed`)),
          )
          .finally(() => {
            place.capturing = undefined;
            capturing--;
          });
        places.push(place);
      }
      if (batch.tail) known(batch.tail);
      if (batch.counts) count(capture, batch.counts);
      writeReady();
      if (piece.length >= LISTING_PIECE) {
        yield piece;
        piece = '';
      }
    }
    while (head < places.length) {
      await places[head].capturing;
      writeReady();
    }
    if (piece) yield piece;
  } finally {
    await Promise.allSettled(places.map((place) => place.capturing));
  }
}

/** Adds what a listing job counted, and reports the bytes of the files it found unchanged as done. */
function count({ counters, stats, reporter, root }: Capture, counts: ListedCounts): void {
  counters.files += counts.files;
  counters.dirs += counts.dirs;
  counters.bytes += counts.bytes;
  stats.chunksReused += counts.chunksReused;
  if (counts.reusedBytes > 0) reporter.bytes(counts.reusedBytes);
  for (const rel of counts.skipped) reporter.warn(`skipped ${path.join(root, rel)}: not a regular file, directory or symlink`);
}

/** A file's listing line: the previous one if the walk did not compare it and it is unchanged, else once it is stored. */
async function fileLine(capture: Capture, walked: WalkedEntry): Promise<string> {
  if (walked.unchecked) {
    const same = await (await capture.previous)?.unchangedFile(walked);
    if (same) {
      capture.stats.chunksReused += same.chunks;
      capture.reporter.bytes(walked.size);
      return same.text;
    }
  }
  return captureFile(capture, walked);
}

/** A file's listing line, once its content is stored. */
async function captureFile({ repository, root, stats, reporter }: Capture, walked: WalkedEntry): Promise<string> {
  const b = await fileBlob(repository, path.join(root, walked.rel), walked.size, stats, reporter);
  return treeLine(fileEntry(walked, b));
}

async function fileBlob(repository: Repository, full: string, size: number, stats: WriteStats, reporter: Reporter): Promise<BlobRef> {
  // Small files are read whole on the thread pool and sealed on a sealing worker (their bytes move, not copied).
  if (size < repository.config.chunker.minSize) return writeSmallFileBlob(repository, full, size, stats, (n) => reporter.bytes(n));
  let streams = largeFiles.get(repository);
  if (!streams) largeFiles.set(repository, (streams = new Semaphore(LARGE_FILES_AT_ONCE)));
  return streams.run(() => writeFileBlob(repository, full, stats, (n) => reporter.bytes(n)));
}

/**
 * Captures a directory into the repository. The walk starts once `parent` (the previous capture, usually
 * still being read) is there: it says which directories need not be read again and which files not.
 */
export async function captureTree(repository: Repository, name: string, root: string, parent: ParentCapture | Promise<ParentCapture>, stats: WriteStats, reporter: Reporter, options: CaptureOptions = {}): Promise<TreeRoot> {
  const counters: CaptureCounters = { files: 0, dirs: 0, bytes: 0 };
  const settledBefore = options.settledBefore ?? Date.now() - SETTLE_MS;
  // Awaited by the walk: a failure meanwhile is not an unhandled rejection.
  const previous = quiet(Promise.resolve(parent));
  // On a cold cache, the previous listing's paths are lstat'ed ahead of the walk (./cold-prefetch.ts).
  const prefetch = previous.then((listing) => listing && prefetchIfCold(root, listing), () => undefined);
  const walk = walkTree(root, { backup: { settledBefore, previous }, listings: options.listings });
  const tree = await storeListing(repository, captureEntries({ repository, root, stats, counters, reporter, previous }, walk, options.signal), await previous, stats).finally(async () => (await prefetch)?.stop());
  const before = await previous;
  await before?.finished();
  if (before?.outOfOrder) {
    // Rare, and never written by a walk: names may have been missed, so the capture is made again from the disk alone.
    reporter.warn(`the previous listing of ${root} is out of order; every file in it is read again`);
    if (options.listings) options.listings.reused = 0;
    return captureTree(repository, name, root, noParent(), stats, reporter, options);
  }
  const top = await fs.stat(root);
  return { name, path: root, mode: top.mode & 0o7777, uid: top.uid, gid: top.gid, ...counters, tree };
}

/**
 * Stores the listing; as the previous listing's blob when it is the same text, which an unchanged store's
 * is: then nothing is chunked or hashed. The text is compared as it comes; where it first differs, the
 * previous text up to there is stored, then the rest of the new listing.
 */
async function storeListing(repository: Repository, listing: AsyncGenerator<string>, previous: ParentCapture, stats: WriteStats): Promise<BlobRef> {
  let differs: string | undefined;
  if (previous?.ref) {
    try {
      for (;;) {
        const next = await listing.next();
        if (next.done) break;
        if (!(await previous.continues(next.value))) {
          differs = next.value;
          break;
        }
      }
      if (differs === undefined && (await previous.same())) {
        stats.chunksReused += previous.ref.chunks.length;
        return previous.ref;
      }
    } catch (err) {
      await listing.return(undefined); // its captures still running are awaited
      throw err;
    }
  }
  const text = async function* () {
    if (previous?.ref) yield* previous.matchedText();
    if (differs !== undefined) yield differs;
    yield* listing;
  };
  return writeBlob(repository, Readable.from(text()), stats);
}

/** All chunk ids a tree references: its listing's and every file's. */
export async function treeChunkIds(repository: Repository, root: TreeRoot, into: Set<string>): Promise<void> {
  for (const id of root.tree.chunks) into.add(id);
  for await (const entry of readFileEntries(repository, root.tree)) for (const id of entry.b.chunks) into.add(id);
}
