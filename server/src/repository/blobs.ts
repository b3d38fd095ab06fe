/**
 * A blob is any byte stream the backup stores (a database dump, one file, a file-tree listing): cut into
 * content-defined chunks, each stored once as a sealed object. The manifest keeps a BlobRef: the chunk ids
 * in order, the plaintext size and its SHA-256, so restore and verify can prove the bytes are the ones read.
 *
 *   source ──> Chunker ──> ChunkSaver (id, SHA-256 of the whole, seal+save, as many at once as the
 *                                      destination's connections) ──> BlobRef
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ByteBudget, connectionsOf, OrderedWindow } from '../destinations/sema';
import { Chunker } from './chunker';
import type { Repository } from './repository';

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

class ChunkSaver extends Writable {
  readonly chunks: string[] = [];
  size = 0;
  private readonly hash: Hash = createHash('sha256');
  /** Chunk saves in flight for this blob: enough to keep sealing and storing busy, few enough for memory. */
  private readonly window: OrderedWindow<void>;

  constructor(
    private readonly repository: Repository,
    private readonly stats: WriteStats,
    private readonly onBytes?: (n: number) => void,
  ) {
    super({ objectMode: true, highWaterMark: 1 });
    this.window = new OrderedWindow(Math.min(CHUNK_SAVES, connectionsOf(repository.destination)));
  }

  get sha256(): string {
    return this.hash.digest('hex');
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.hash.update(chunk);
    const length = chunk.length; // the chunk's buffer moves to the sealing workers: its length is kept here
    this.size += length;
    // The id is computed on a worker; its place in the list is kept so the order is the stream's.
    const at = this.chunks.push('') - 1;
    // The next chunk is only taken once this one has its share of the budget: a chunk waiting for it
    // holds the stream, not more memory.
    const budget = budgetOf(this.repository);
    budget.acquire(length).then(() => {
      const saving = this.repository.saveCutChunk(chunk).then(({ id, written }) => {
        this.chunks[at] = id;
        count(this.stats, length, written, this.onBytes);
      });
      void saving.then(() => budget.release(length), () => budget.release(length));
      return this.window.push(saving);
    }).then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    (async () => {
      for await (const _saved of this.window.drain());
    })().then(() => done(), done);
  }
}

/**
 * Stores a stream as a blob. Rejects (after in-flight saves settle) if the source or any save fails.
 * `ownsSource`: nothing else reads the source's buffers, so the chunker frees each once it is cut.
 */
export async function writeBlob(repository: Repository, source: Readable, stats: WriteStats, onBytes?: (n: number) => void, ownsSource = false): Promise<BlobRef> {
  const saver = new ChunkSaver(repository, stats, onBytes);
  await pipeline(source, new Chunker(repository.chunkerSeed, repository.config.chunker, ownsSource), saver);
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
  const { id, written } = await repository.saveChunk(data, contentId);
  count(stats, data.length, written, onBytes);
  return { size: data.length, sha256, chunks: [id] };
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
