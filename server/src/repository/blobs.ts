/**
 * A blob is any byte stream the backup stores (a database dump, one file, a file-tree listing): cut into
 * content-defined chunks, each stored once as a sealed object. The manifest keeps a BlobRef: the chunk ids
 * in order, the plaintext size and its SHA-256, so restore and verify can prove the bytes are the ones read.
 *
 *   source ──> ChunkSaver ──> StreamChunking (on a worker: cut points, each chunk's id, the SHA-256 of
 *                                             the whole)
 *                   └── seal+save of each new chunk, as many at once as the destination's connections ──> BlobRef
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ByteBudget, connectionsOf, OrderedWindow } from '../destinations/sema';
import type { Repository } from './repository';
import type { Cut, StreamChunking } from './stream-chunking';

export interface BlobRef {
  size: number;
  sha256: string;
  chunks: string[];
}

/** Counters a whole backup shares across its blobs. */
export interface WriteStats {
  bytesRead: number;
  bytesWritten: number;
  chunksNew: number;
  chunksReused: number;
}

export function newWriteStats(): WriteStats {
  return { bytesRead: 0, bytesWritten: 0, chunksNew: 0, chunksReused: 0 };
}

/**
 * Chunks of one blob sealed and saved at once. Several files are captured at once too, each with its own
 * saver, so this bounds memory (chunks are up to 4 MiB); with packs a save is mostly an append in memory.
 */
const CHUNK_SAVES = 3;

/**
 * Plaintext bytes of chunks being sealed and saved at once, over every blob a repository is writing:
 * files captured at once times CHUNK_SAVES times a chunk of up to 4 MiB would otherwise be the bound, and
 * each of those chunks is held twice while sealing (plaintext and ciphertext).
 */
const CHUNK_BYTES_IN_FLIGHT = 16 * 1024 * 1024;
const budgets = new WeakMap<Repository, ByteBudget>();

function budgetOf(repository: Repository): ByteBudget {
  let budget = budgets.get(repository);
  if (!budget) budgets.set(repository, (budget = new ByteBudget(CHUNK_BYTES_IN_FLIGHT)));
  return budget;
}

/** Bytes sent to a stream's chunking per job: a pipe's 64 KiB pieces and a listing's lines go gathered. */
const FEED_BYTES = 1024 * 1024;

/** Feeds of one stream at the worker at once: it cuts one while the next is read. */
const FEEDS_AHEAD = 2;

/**
 * Takes a byte stream's pieces, has them chunked on a worker (./stream-chunking.ts) and stores each chunk
 * that comes back unless it is stored already.
 */
class ChunkSaver extends Writable {
  readonly chunks: string[] = [];
  size = 0;
  sha256 = '';
  private readonly chunking: StreamChunking;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  /** whether any piece went to the chunking yet */
  private sent = false;
  private readonly feeds = new OrderedWindow<Cut>(FEEDS_AHEAD);
  /** Chunk saves in flight for this blob: enough to keep sealing and storing busy, few enough for memory. */
  private readonly saves: OrderedWindow<void>;

  constructor(
    private readonly repository: Repository,
    private readonly stats: WriteStats,
    private readonly onBytes: ((n: number) => void) | undefined,
    private readonly ownsSource: boolean,
  ) {
    super({ highWaterMark: 1 });
    this.chunking = repository.chunking();
    this.saves = new OrderedWindow(Math.min(CHUNK_SAVES, connectionsOf(repository.destination)));
  }

  override _write(piece: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.batch.push(piece);
    this.batchBytes += piece.length;
    if (this.batchBytes < FEED_BYTES) return done();
    this.send(false).then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    (async () => {
      if (!this.sent && this.batchBytes < this.repository.config.chunker.minSize) return this.storeWhole();
      await this.send(true);
      for await (const cut of this.feeds.drain()) await this.store(cut);
      for await (const _saved of this.saves.drain());
    })().then(() => done(), done);
  }

  /**
   * A stream that ended below the chunker's minimum is one chunk, or none: stored as a buffer is, without
   * a job for its chunking (a small object of an S3 file store, a small tree's listing).
   */
  private async storeWhole(): Promise<void> {
    this.chunking.abandon();
    const ref = await writeBufferBlob(this.repository, Buffer.concat(this.batch, this.batchBytes), this.stats, this.onBytes);
    this.chunks.push(...ref.chunks);
    this.size = ref.size;
    this.sha256 = ref.sha256;
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.chunking.abandon();
    done(err);
  }

  private async send(end: boolean): Promise<void> {
    this.sent = true;
    const pieces = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const ready = await this.feeds.push(this.chunking.feed(pieces, this.ownsSource, end));
    if (ready) await this.store(ready.value);
  }

  private async store(cut: Cut): Promise<void> {
    for (const { id, data } of cut.chunks) {
      this.chunks.push(id);
      const length = data.length; // the chunk's buffer moves to a sealing worker: its length is kept here
      this.size += length;
      // The next chunk is only taken once this one has its share of the budget: a chunk waiting for it
      // holds the stream, not more memory.
      const budget = budgetOf(this.repository);
      await budget.acquire(length);
      const saving = this.repository.saveChunk(data, id, true).then((written) => count(this.stats, length, written, this.onBytes));
      void saving.then(() => budget.release(length), () => budget.release(length));
      await this.saves.push(saving);
    }
    if (cut.end) {
      if (cut.end.size !== this.size) throw new Error(`a stream's chunks hold ${this.size} bytes; its chunking counted ${cut.end.size}`);
      this.sha256 = cut.end.sha256;
    }
  }
}

/**
 * Stores a stream as a blob. Rejects (after in-flight saves settle) if the source or any save fails.
 * `ownsSource`: nothing else reads the source's buffers, so they are moved to the worker that chunks them.
 */
export async function writeBlob(repository: Repository, source: Readable, stats: WriteStats, onBytes?: (n: number) => void, ownsSource = false): Promise<BlobRef> {
  const saver = new ChunkSaver(repository, stats, onBytes, ownsSource);
  await pipeline(source, saver);
  return { size: saver.size, sha256: saver.sha256, chunks: saver.chunks };
}

/** Stores a file as a blob of content-defined chunks, read in 256 KiB pieces the chunker frees as it goes. */
export function writeFileBlob(repository: Repository, path: string, stats: WriteStats, onBytes?: (n: number) => void): Promise<BlobRef> {
  return writeBlob(repository, createReadStream(path, { highWaterMark: 256 * 1024 }), stats, onBytes, true);
}

/**
 * Stores bytes already in memory. Below the chunker's minimum size no boundary can fall, so the data is
 * one chunk (or none, when empty) and goes straight to the repository: the path of every small file.
 */
export async function writeBufferBlob(repository: Repository, data: Buffer, stats: WriteStats, onBytes?: (n: number) => void): Promise<BlobRef> {
  if (data.length >= repository.config.chunker.minSize) return writeBlob(repository, Readable.from([data]), stats, onBytes);
  if (data.length === 0) return { size: 0, sha256: createHash('sha256').digest('hex'), chunks: [] };
  const { id: contentId, sha256 } = await repository.contentIdAndSha256(data);
  const written = await repository.saveChunk(data, contentId);
  count(stats, data.length, written, onBytes);
  return { size: data.length, sha256, chunks: [contentId] };
}

/**
 * Stores a file under the chunker's minimum size (`size`, as listed) as one chunk, read on the thread pool
 * and hashed and sealed on a sealing worker: the path of most attachments. Its bytes count against the
 * budget of chunk bytes in flight, so files read ahead of the workers stay bounded. A file that grew past
 * the minimum meanwhile is chunked instead.
 */
export async function writeSmallFileBlob(repository: Repository, path: string, size: number, stats: WriteStats, onBytes?: (n: number) => void): Promise<BlobRef> {
  const saved = await budgetOf(repository).run(size, () => repository.saveFileChunk(path, size));
  if (saved.tooLarge) return writeFileBlob(repository, path, stats, onBytes);
  if (saved.size === 0) return { size: 0, sha256: saved.sha256, chunks: [] };
  count(stats, saved.size, saved.written, onBytes);
  return { size: saved.size, sha256: saved.sha256, chunks: [saved.id] };
}

function count(stats: WriteStats, read: number, written: number, onBytes?: (n: number) => void): void {
  stats.bytesRead += read;
  stats.bytesWritten += written;
  if (written > 0) stats.chunksNew++;
  else stats.chunksReused++;
  onBytes?.(read);
}

export class BlobIntegrityError extends Error {}

/** Chunks read ahead of the one being consumed. */
const CHUNKS_PREFETCHED = 2;

/**
 * Reads a blob back as a stream, a few chunks ahead, and fails the stream if the reassembled bytes do
 * not have the recorded size and SHA-256.
 */
export function readBlob(repository: Repository, ref: BlobRef): Readable {
  return Readable.from(readChunks(repository, ref), { objectMode: false });
}

/** The lines of a blob written as lines (a tree listing, the referenced-files list), read as readBlob() reads. */
export function readBlobLines(repository: Repository, ref: BlobRef): AsyncIterable<string> {
  return createInterface({ input: readBlob(repository, ref), crlfDelay: Infinity });
}

async function* readChunks(repository: Repository, ref: BlobRef): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let size = 0;
  const window = new OrderedWindow<Buffer>(CHUNKS_PREFETCHED);
  const take = function* (chunk: Buffer) {
    hash.update(chunk);
    size += chunk.length;
    yield chunk;
  };
  for (const id of ref.chunks) {
    const ready = await window.push(repository.loadChunk(id));
    if (ready) yield* take(ready.value);
  }
  for await (const chunk of window.drain()) yield* take(chunk);
  const digest = hash.digest('hex');
  if (size !== ref.size || digest !== ref.sha256) {
    throw new BlobIntegrityError(`blob reassembled to ${size} bytes with SHA-256 ${digest}; the manifest says ${ref.size} bytes, ${ref.sha256}`);
  }
}

export async function readBlobToBuffer(repository: Repository, ref: BlobRef): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of readBlob(repository, ref)) parts.push(part);
  return Buffer.concat(parts);
}
