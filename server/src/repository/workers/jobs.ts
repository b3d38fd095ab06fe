/**
 * What the main thread asks of a sealing worker (./worker.ts) and what it answers: the one definition of
 * the messages between them (./pool.ts sends them). Keys travel with every job, so one pool serves every
 * repository a process has open (a copy has two); the only state a worker keeps between jobs is the
 * chunking of the streams it was given (chunkStream), and their keys come with their first job.
 */
import type { SaveChecksum } from '../../destinations/destination';
import type { ChunkerParams } from '../chunker';
import type { MasterKeys, SealVersion } from '../sealing';

export type Job =
  /** The content id of data (HMAC-SHA256 under the id key), and its plain SHA-256 when asked. */
  | { op: 'contentId'; keys: MasterKeys; data: Uint8Array; sha256: boolean }
  | { op: 'seal'; keys: MasterKeys; name: string; data: Uint8Array; level?: number; version: SealVersion }
  /** Opens a sealed object; with `checkId`, also checks that the plaintext has that content id. */
  | { op: 'open'; keys: MasterKeys; name: string; sealed: Uint8Array; checkId?: string }
  /** Opens one blob and checks it against its id, for a caller that needs only to know it is sound: its size. */
  | { op: 'checkBlob'; keys: MasterKeys; id: string; sealed: Uint8Array }
  /** Seals a small file's whole content as one blob named by its content id, with its SHA-256. */
  | { op: 'sealFile'; keys: MasterKeys; data: Uint8Array; level?: number; version: SealVersion }
  /**
   * Opens blobs lying in `span` (bytes of one pack from offset `spanStart`), checks each against its id
   * and writes it whole to each of its files (a file of one blob: a small file restored).
   */
  | { op: 'writeFiles'; keys: MasterKeys; span: Uint8Array; spanStart: number; blobs: SpanBlob[] }
  /**
   * Computes a pack's id over its parts (sealed blobs, then its sealed header and length) and gives the
   * parts back, not joined: a store writes them one after the other. With `checksum`, also the checksum a
   * store checks saves with (../../destinations/destination.ts).
   */
  | { op: 'hashPack'; keys: MasterKeys; parts: Uint8Array[]; checksum?: SaveChecksum }
  /**
   * Opens one chunk, checks it against its id and writes it at the current position of the open file `fd`
   * (the caller sends the chunks of one file one after the other).
   */
  | { op: 'writeChunk'; keys: MasterKeys; id: string; sealed: Uint8Array; fd: number }
  /**
   * Feeds `parts` of one byte stream (in order) to its chunking, which this worker keeps between jobs
   * (./chunk-sessions.ts; the pool sends all of a stream's jobs to one worker): the answer is the chunks
   * they complete, each with its content id. `start` comes with the stream's first job. With `end`, the
   * answer also holds the last chunk, the stream's size and SHA-256, and the stream is forgotten; with
   * `discard`, it is forgotten at once (the caller gave up on it).
   */
  | { op: 'chunkStream'; stream: number; start?: ChunkingStart; parts: Uint8Array[]; end?: boolean; discard?: boolean }
  /** Makes directories (and any missing parents), private until their metadata is set. */
  | { op: 'makeDirs'; paths: string[] }
  /** Sets owner (when given), mode and time of paths that exist (directories, once their content is written). */
  | { op: 'setMetadata'; targets: PathMetadata[] }
  /**
   * Lists the tree under `root`/`rel` depth-first, names sorted, each entry with its lstat (./list-tree.ts).
   * A subtree of more than `limit` entries comes back as the directory's own entries only, `partial`: the
   * caller lists each subdirectory as a job of its own. A directory of more than `limit` entries itself
   * comes back as its sorted `names` alone, for the caller to have them lstat'ed in slices (statNames).
   * With `backup`, the entries come back as a backup's listing lines (ListingContext). Several small
   * subtrees (siblings, in walk order) are one job, one listing each: a job costs two messages and a turn
   * of the main thread, more than listing a few dozen entries.
   */
  | { op: 'listTree'; root: string; limit: number; dirs: { rel: string; backup?: ListingContext }[] }
  /** The entries `names` (in that order) of the directory root/rel, each with its lstat. */
  | { op: 'statNames'; root: string; rel: string; names: string[]; backup?: ListingContext };

/**
 * What a listing job for a backup is given, so that it answers with the backup's listing lines and only the
 * entries the caller must act on: each file to read, and in a partial answer each subdirectory (whose
 * subtree is listed by a job of its own). Every other entry (a directory, a symlink, a file the same as in
 * the previous listing) is only a line, and costs the main thread nothing.
 */
export interface ListingContext {
  /** A directory whose ctime is before this (ms) keeps its ctime and inode in its line (../tree-entry.ts). */
  settledBefore: number;
  /**
   * Lines of the previous listing, each ending in a newline, in its order: the directory's own line (there is
   * none for the root) and its subtree, or with `shallow` only its own entries' lines. A file the same as in
   * them keeps its content, and a settled directory whose ctime and inode have not moved keeps its names.
   */
  previous?: string;
  /** `previous` holds only the directory's own entries: list them alone, `partial` (the subtree was too large). */
  shallow?: boolean;
  /** The directory's line as the walk above it wrote it: its names are taken from `previous` only if its line there is the same. */
  self?: string;
  /**
   * There is a previous listing, but this job is not given its lines (the root's job, sent while the
   * listing is still being read): each file to read comes marked `unchecked`, for the caller to compare.
   */
  unchecked?: boolean;
}

/**
 * A listing job's answer: the subtree depth-first, or with `partial` only the directory's own entries, or,
 * for a directory of more than the job's limit, only its sorted `names` (statNames then gives the entries).
 */
export interface TreeListing {
  entries: WalkedEntry[];
  partial: boolean;
  names?: string[];
  /** how many directories' names came from the previous listing rather than from reading the directory */
  reused: number;
  /** For a backup: listing lines after the last entry (each entry's own `lead` comes before it). */
  tail?: string;
  /** For a backup: what the job's entries count, those given as lines included. */
  counts?: ListedCounts;
}

/** What a backup's listing job saw, lines and entries together. */
export interface ListedCounts {
  files: number;
  dirs: number;
  /** bytes of every file */
  bytes: number;
  /** bytes and chunks of the files whose content was taken from the previous listing */
  reusedBytes: number;
  chunksReused: number;
  /** paths of what is not a regular file, directory or symlink (a socket, fifo or device): not captured */
  skipped: string[];
}

/** A path met by a walk and what lstat said of it. `rel` is relative to the walk's root, '/'-separated. */
export interface WalkedEntry {
  rel: string;
  /** directory, regular file, symlink, or other (a socket, fifo or device: not captured) */
  kind: 'd' | 'f' | 'l' | 'o';
  mode: number;
  mtimeMs: number;
  /** the inode's change time: a directory's moves whenever an entry is added, removed or renamed in it */
  ctimeMs: number;
  uid: number;
  gid: number;
  size: number;
  ino: number;
  /** a symlink's target */
  link?: string;
  /** For a backup: the listing lines that come before this entry, since the entry before it. */
  lead?: string;
  /** For a backup: a directory's own line (a file's comes once it is read). */
  line?: string;
  /** For a backup: a file not compared with the previous listing (ListingContext.unchecked). */
  unchecked?: boolean;
}

/** The metadata of a restored path. */
export interface PathMetadata {
  path: string;
  mode: number;
  mtimeMs: number;
  owner?: { uid: number; gid: number };
}

/** How a stream is chunked and its chunks named: the repository's keys, chunker seed and sizes. */
export interface ChunkingStart {
  keys: MasterKeys;
  seed: Uint8Array;
  params: ChunkerParams;
}

/** A chunk cut from a stream, with its content id. */
export interface IdentifiedChunk {
  id: string;
  data: Uint8Array;
}

/** A blob of a span and the files whose whole content it is. */
export interface SpanBlob {
  id: string;
  offset: number;
  length: number;
  files: FileTarget[];
}

/** A file to write: its content must be `size` bytes; then its owner (when given), mode and time are set. */
export interface FileTarget extends PathMetadata {
  size: number;
}

export type JobResult =
  | { op: 'contentId'; id: string; sha256?: string }
  | { op: 'seal'; header: Uint8Array; body: Uint8Array }
  | { op: 'open'; plaintext: Uint8Array }
  | { op: 'checkBlob'; size: number }
  | { op: 'sealFile'; size: number; sha256: string; id: string; header: Uint8Array; body: Uint8Array }
  | { op: 'writeFiles'; bytes: number; files: number }
  | { op: 'hashPack'; id: string; parts: Uint8Array[]; md5?: string; crc32?: number }
  | { op: 'writeChunk'; size: number }
  | { op: 'chunkStream'; chunks: IdentifiedChunk[]; size?: number; sha256?: string }
  | { op: 'makeDirs' }
  | { op: 'setMetadata' }
  | { op: 'listTree'; listings: TreeListing[] }
  | ({ op: 'statNames' } & TreeListing);

/** A failed job: enough to rebuild the error on the main thread (a DecryptError, or an fs error's code). */
export interface JobFailure {
  name: string;
  message: string;
  code?: string;
}

export type Request = { seq: number; job: Job };
export type Reply = { seq: number; result?: JobResult; failure?: JobFailure };
/** What a worker says once, when it has loaded and takes jobs. */
export type Ready = { ready: true };
