/**
 * Directories (config dir, file store, plugin dirs) are captured as a tree listing: one NDJSON line per
 * entry, in a stable depth-first order, stored as a blob. A file line names the blob of its content, so
 * identical files anywhere share their chunks. When a previous snapshot holds the same path with the same
 * size, mtime and inode, its content ids are reused without reading the file again, as long as those
 * objects are in the repository's index, which the backup lists afresh under the lock (a parent's objects
 * may have been pruned since that parent was written). A directory's line keeps its ctime and inode once
 * its ctime has settled, and the next walk takes the directory's names from the listing while both are
 * the same (./walk.ts): only its entries are lstat'ed again.
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
import { KnownDirs, walkTree, type KnownDir, type WalkedEntry } from './walk';

export type TreeEntry =
  | { p: string; t: 'd'; m: number; mt: number; u: number; g: number; c?: number; i?: number }
  | { p: string; t: 'f'; m: number; mt: number; u?: number; g?: number; s: number; i?: number; e?: string; b: BlobRef }
  | { p: string; t: 'l'; l: string; u: number; g: number };

export type FileEntry = Extract<TreeEntry, { t: 'f' }>;

export type ParentIndex = Map<string, FileEntry>;

/** What a capture takes from the previous capture of the same root: its files by path, and its directories. */
export interface ParentCapture {
  files: ParentIndex;
  dirs: KnownDirs;
}

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
 * Only a file's line has the key "b", and a key is the one place `"b":` can appear in a line: a quote inside
 * a JSON string is escaped. A file store is mostly directories (Mattermost's teams/channels/users/posts
 * layout), so the lines of the others are skipped unparsed.
 */
const FILE_KEY = '"b":';

/** The file entries of a stored tree listing, one by one. */
async function* readFileEntries(repository: Repository, tree: BlobRef): AsyncGenerator<FileEntry> {
  for await (const line of readBlobLines(repository, tree)) {
    if (!line.includes(FILE_KEY)) continue;
    const entry = JSON.parse(line) as TreeEntry;
    if (entry.t === 'f') yield entry;
  }
}

/** A capture with nothing before it. */
export function noParent(): ParentCapture {
  return { files: new Map(), dirs: new KnownDirs() };
}

/**
 * The previous capture of a root, read once: its files, and its directories with the names of those whose
 * ctime had settled. A listing is depth-first, each directory's line before its contents, so a name's
 * directory is always one of those the listing is inside of; one that is not (a listing out of that order)
 * leaves no directory known, as names could be missing.
 */
export async function loadParent(repository: Repository, root: TreeRoot | undefined): Promise<ParentCapture> {
  const parent = noParent();
  if (!root) return parent;
  const top: KnownDir = { rel: '' };
  const inside: KnownDir[] = [top]; // the directories the listing is in, innermost last
  let inOrder = true;
  for await (const entry of readTree(repository, root.tree)) {
    const slash = entry.p.lastIndexOf('/');
    while (inside.length > 1 && !isParent(inside[inside.length - 1].rel, entry.p, slash)) inside.pop();
    const dir = inside[inside.length - 1];
    if (dir === top && slash >= 0) inOrder = false;
    const name = entry.p.slice(slash + 1);
    if (dir.names !== undefined) dir.names = dir.names === '' ? name : `${dir.names}/${name}`;
    if (entry.t === 'f') parent.files.set(entry.p, entry);
    if (entry.t !== 'd') continue;
    const known: KnownDir = entry.c === undefined ? { rel: entry.p } : { rel: entry.p, ctimeMs: entry.c, ino: entry.i, names: '' };
    parent.dirs.add(known);
    inside.push(known);
  }
  if (!inOrder) parent.dirs = new KnownDirs();
  return parent;
}

/** Whether `dir` is the directory the path `rel` (its last '/' at `slash`) is in. */
function isParent(dir: string, rel: string, slash: number): boolean {
  return slash === dir.length && rel.startsWith(dir);
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
  settledBefore: number;
}

/** An entry's place in the listing: known at once, or once the capture of its file settles. */
interface Place {
  entry?: TreeEntry;
  /** Set while the file is captured; it never rejects: a failure is kept in `failure`. */
  capturing?: Promise<void>;
  /** Why the capture failed: thrown when the listing reaches this place, so no failure is passed over. */
  failure?: unknown;
}

/**
 * The listing, in pieces of lines in walk order. A directory, a symlink or an unchanged file is known
 * at once and costs no await; a file to read is captured FILES_IN_FLIGHT at a time ahead of the line
 * being written. On a failure, captures still running are awaited before it rejects.
 */
async function* captureEntries(capture: Capture, walk: AsyncIterable<WalkedEntry[]>, parentIndex: Promise<ParentIndex>, signal?: AbortSignal): AsyncGenerator<string> {
  const parent = await parentIndex;
  const places: Place[] = [];
  let head = 0; // places before it are written
  let capturing = 0;
  let piece = '';
  const writeReady = () => {
    for (; head < places.length && !places[head].capturing; head++) {
      const { entry, failure } = places[head];
      if (failure !== undefined) throw failure;
      if (entry) piece += treeLine(entry);
    }
    if (head === places.length || head > ENTRIES_AHEAD) {
      places.splice(0, head);
      head = 0;
    }
  };
  try {
    for await (const batch of walk) {
      signal?.throwIfAborted();
      for (const walked of batch) {
        const known = entryOf(capture, walked, parent.get(walked.rel));
        if (known !== CAPTURE) {
          if (head === places.length) {
            if (known) piece += treeLine(known);
          } else {
            places.push({ entry: known });
          }
          continue;
        }
        while (capturing >= FILES_IN_FLIGHT || places.length - head >= ENTRIES_AHEAD) {
          await places[head].capturing;
          writeReady();
        }
        const place: Place = {};
        capturing++;
        place.capturing = captureFile(capture, walked)
          .then(
            (entry) => void (place.entry = entry),
            (err: unknown) => void (place.failure = err ?? new Error(`capturing ${walked.rel} failed`)),
          )
          .finally(() => {
            place.capturing = undefined;
            capturing--;
          });
        places.push(place);
      }
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

/** What entryOf() answers for a file that must be read: its entry comes from captureFile(). */
const CAPTURE = Symbol('capture');

/** The entry of a walked path when known without reading (undefined: not captured), else CAPTURE. */
function entryOf(capture: Capture, walked: WalkedEntry, previous: FileEntry | undefined): TreeEntry | undefined | typeof CAPTURE {
  const { repository, counters, stats, reporter } = capture;
  const { rel, kind, mode, mtimeMs, ctimeMs, uid, gid, size, ino } = walked;
  switch (kind) {
    case 'd':
      counters.dirs++;
      if (ctimeMs >= capture.settledBefore) return { p: rel, t: 'd', m: mode & 0o7777, mt: mtimeMs, u: uid, g: gid };
      return { p: rel, t: 'd', m: mode & 0o7777, mt: mtimeMs, u: uid, g: gid, c: ctimeMs, i: ino };
    case 'l':
      return { p: rel, t: 'l', l: walked.link!, u: uid, g: gid };
    case 'f': {
      counters.files++;
      counters.bytes += size;
      if (!unchanged(repository, walked, previous)) return CAPTURE;
      stats.chunksReused += previous.b.chunks.length;
      reporter.bytes(size);
      return { p: rel, t: 'f', m: mode & 0o7777, mt: mtimeMs, u: uid, g: gid, s: size, i: ino, b: previous.b };
    }
    default:
      reporter.warn(`skipped ${path.join(capture.root, rel)}: not a regular file, directory or symlink`);
      return undefined;
  }
}

/** Same size, mtime and inode as in the previous capture, and its chunks still stored: not read again. */
function unchanged(repository: Repository, stat: WalkedEntry, previous: FileEntry | undefined): previous is FileEntry {
  return previous !== undefined && previous.s === stat.size && previous.mt === stat.mtimeMs && previous.i === stat.ino && previous.b.chunks.every((id) => repository.has(id));
}

async function captureFile({ repository, root, stats, reporter }: Capture, walked: WalkedEntry): Promise<TreeEntry> {
  const { rel, mode, mtimeMs, uid, gid, size, ino } = walked;
  const b = await fileBlob(repository, path.join(root, rel), size, stats, reporter);
  return { p: rel, t: 'f', m: mode & 0o7777, mt: mtimeMs, u: uid, g: gid, s: size, i: ino, b };
}

async function fileBlob(repository: Repository, full: string, size: number, stats: WriteStats, reporter: Reporter): Promise<BlobRef> {
  // Small files are read whole on the thread pool and sealed on a sealing worker (their bytes move, not copied).
  if (size < repository.config.chunker.minSize) return writeSmallFileBlob(repository, full, size, stats, (n) => reporter.bytes(n));
  let streams = largeFiles.get(repository);
  if (!streams) largeFiles.set(repository, (streams = new Semaphore(LARGE_FILES_AT_ONCE)));
  return streams.run(() => writeFileBlob(repository, full, stats, (n) => reporter.bytes(n)));
}

/** A listing line for the tree blob. */
export function treeLine(entry: TreeEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

/**
 * Captures a directory into the repository. The walk starts once `parent` (the previous capture, usually
 * still being read) is there: it says which directories need not be read again.
 */
export async function captureTree(repository: Repository, name: string, root: string, parent: ParentCapture | Promise<ParentCapture>, stats: WriteStats, reporter: Reporter, options: CaptureOptions = {}): Promise<TreeRoot> {
  const counters: CaptureCounters = { files: 0, dirs: 0, bytes: 0 };
  const settledBefore = options.settledBefore ?? Date.now() - SETTLE_MS;
  // Awaited by the walk and captureEntries: a failure meanwhile is not an unhandled rejection.
  const previous = quiet(Promise.resolve(parent));
  const walk = walkTree(root, { known: previous.then((p) => p.dirs), listings: options.listings });
  const files = quiet(previous.then((p) => p.files));
  const listing = Readable.from(captureEntries({ repository, root, stats, counters, reporter, settledBefore }, walk, files, options.signal));
  const tree = await writeBlob(repository, listing, stats);
  const top = await fs.stat(root);
  return { name, path: root, mode: top.mode & 0o7777, uid: top.uid, gid: top.gid, ...counters, tree };
}

/** All chunk ids a tree references: its listing's and every file's. */
export async function treeChunkIds(repository: Repository, root: TreeRoot, into: Set<string>): Promise<void> {
  for (const id of root.tree.chunks) into.add(id);
  for await (const entry of readFileEntries(repository, root.tree)) for (const id of entry.b.chunks) into.add(id);
}
