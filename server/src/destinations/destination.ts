/**
 * A Destination stores opaque, already-encrypted bytes under slash-separated names ("objects/ab/ab12...",
 * "snapshots/<id>", "locks/<id>"). It knows nothing of snapshots, keys or compression: the repository
 * layer above it does.
 *
 * Contract, kept by every implementation (local directory, S3) and checked by the shared suite in
 * ./contract.testkit.ts:
 * - save() is atomic: a reader sees the whole object or nothing, never a prefix, even if the process dies
 *   mid-write. When save() resolves the bytes are durable (fsync'd) and their length was checked.
 * - save() with `exclusive` fails with isAlreadyExists() when the name exists (used for locks).
 * - load() returns exactly the stored bytes (or the requested range), in a buffer the caller owns (it may
 *   be moved to a worker thread); a missing name rejects with an error for which isNotFound() is true.
 * - list(prefix) yields every stored name under prefix once, in no particular order; never temporary files.
 * - remove() of a missing name is not an error.
 * - Errors are plain Errors carrying the cause; isPermanent() tells retrying wrappers not to try again.
 * - Nothing relies on rename or append existing in the store (S3 has neither).
 */
export interface StoredObject {
  name: string;
  size: number;
  /**
   * When the store last wrote it, by the store's own clock (stat() fills it where the store tells: a
   * local file's mtime, S3's Last-Modified). Lock staleness compares two such times, never two hosts' clocks.
   */
  modified?: Date;
}

/**
 * What save() stores: one buffer, or parts stored one after the other as if joined (a pack's sealed blobs,
 * which are never joined into one pack-sized buffer).
 */
export type ObjectBytes = Buffer | readonly Buffer[];

/** The bytes as parts, one part when given one buffer. */
export function partsOf(data: ObjectBytes): readonly Buffer[] {
  return Buffer.isBuffer(data) ? [data] : data;
}

export function byteLength(data: ObjectBytes): number {
  return partsOf(data).reduce((sum, part) => sum + part.length, 0);
}

/** The parts from byte `start` on, sharing memory with the given ones. */
export function partsFrom(parts: readonly Buffer[], start: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = start;
  for (const part of parts) {
    if (skip >= part.length) {
      skip -= part.length;
      continue;
    }
    rest.push(skip > 0 ? part.subarray(skip) : part);
    skip = 0;
  }
  return rest;
}

/** The bytes as one buffer, for a store that needs them so (a copy when given parts). */
export function joined(data: ObjectBytes): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.concat(data);
}

export interface SaveOptions {
  /** Fail with isAlreadyExists() when the name exists (locks). */
  exclusive?: boolean;
  /** The MD5 of `data`, hex, from a caller that computed it already (see `checksWith`). */
  md5?: string;
  /** The CRC-32 of `data`, from a caller that computed it already (see `checksWith`). */
  crc32?: number;
}

/** A checksum a store checks saves with (./s3/s3.ts): CRC-32 where the service verifies it, else MD5. */
export type SaveChecksum = 'md5' | 'crc32';

export interface Destination {
  /** Where it is, safe to show (no credentials). */
  readonly location: string;
  save(name: string, data: ObjectBytes, options?: SaveOptions): Promise<void>;
  /**
   * The checksum save() sends for the store to check (S3: x-amz-checksum-crc32, or Content-MD5 and then
   * the ETag). A caller that passes over the bytes anyway (a pack hashed on a sealing worker) computes it
   * there and passes it in `options`, so the main thread does not make a pass of its own over every byte
   * stored. It may change once (a service found not to verify CRC-32 is sent MD5 from then on).
   */
  readonly checksWith?: SaveChecksum;
  load(name: string, range?: { offset: number; length: number }): Promise<Buffer>;
  stat(name: string): Promise<StoredObject>;
  list(prefix: string): AsyncIterable<StoredObject>;
  remove(name: string): Promise<void>;
  isNotFound(err: unknown): boolean;
  isAlreadyExists(err: unknown): boolean;
  isPermanent(err: unknown): boolean;
  /**
   * How many calls the store serves well at once (connections, or concurrent fsyncs on a disk): operations
   * fan out to this many (../destinations/sema.ts). Absent: DEFAULT_CONNECTIONS.
   */
  readonly connections?: number;
  /**
   * Removes many names in as few requests as the store allows (S3 DeleteObjects: 1,000 a request);
   * missing names are not an error, and on failure some of the names may be gone. Absent: callers use
   * remove() one name at a time.
   */
  removeMany?(names: string[]): Promise<void>;
  /** Bytes free for new data, when the store can tell (a local disk); undefined otherwise. */
  freeSpace?(): Promise<number | undefined>;
  /**
   * Stores that can make objects immutable (S3 Object Lock): resolves when the immutability the
   * repository URL asks for can be given (or none was asked for), else rejects with an MmBackupError
   * (exit 2) that says why and how to fix it. It writes nothing, so init and backup call it before their
   * first write: an admin who asked for immutable backups learns before the first backup, not after.
   * Absent: the store has no such feature and none can be asked for.
   */
  checkImmutability?(): Promise<void>;
  /**
   * Stores whose objects may be under a retention (S3 Object Lock): when `name` cannot be removed yet,
   * the time it can; undefined when it can be removed now (or does not exist). Prune asks before each
   * remove() and leaves held objects for a later prune, so remove() is never tried on one: on S3 such a
   * delete would fail (a versioned delete) or merely hide the object behind a delete marker, still stored.
   * Absent: nothing is ever held.
   */
  retainedUntil?(name: string): Promise<Date | undefined>;
}
