/**
 * A byte stream's chunking on a sealing worker, as the main thread drives it: pieces go to the worker
 * that keeps the stream's chunking (./workers/chunk-sessions.ts), and back come the chunks they complete,
 * each with its content id, then the stream's size and SHA-256. One lane carries every job of a stream.
 */
import type { ChunkerParams } from './chunker';
import { keysFor, type MasterKeys } from './crypto';
import type { IdentifiedChunk } from './workers/jobs';
import { sealingPool, type Lane } from './workers/pool';
import { copyOf, owning } from './workers/transfer';

/** What a feed gives back: the chunks it completed and, after the last feed, the whole stream's size and SHA-256. */
export interface Cut {
  chunks: Array<{ id: string; data: Buffer }>;
  end?: { size: number; sha256: string };
}

let lastStream = 0;

export class StreamChunking {
  private readonly stream = ++lastStream;
  /** Taken with the first feed: a stream that never feeds (stored whole, ./blobs.ts) costs the pool nothing. */
  private lane?: Lane;
  private done = false;

  constructor(
    private readonly keys: MasterKeys,
    private readonly seed: Buffer,
    private readonly params: ChunkerParams,
  ) {}

  /**
   * Feeds the stream's next pieces; with `end`, they are its last. With `giveAway`, the pieces are the
   * caller's to give: each whole buffer is moved to the worker, not copied. Feeds run in the order made.
   */
  async feed(pieces: Buffer[], giveAway: boolean, end: boolean): Promise<Cut> {
    const start = this.lane ? undefined : { keys: keysFor(this.keys), seed: copyOf(this.seed), params: this.params };
    const lane = (this.lane ??= sealingPool().lane());
    if (end) this.finish();
    const parts = giveAway ? pieces.map(owning) : pieces.length > 0 ? [owning(Buffer.concat(pieces))] : [];
    const result = await lane.run({ op: 'chunkStream', stream: this.stream, start, parts, end }, parts.map((p) => p.buffer));
    return {
      chunks: result.chunks.map(({ id, data }: IdentifiedChunk) => ({ id, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) })),
      end: end ? { size: result.size!, sha256: result.sha256! } : undefined,
    };
  }

  /** Gives up on the stream: the worker forgets it. */
  abandon(): void {
    if (this.done) return;
    this.finish();
    this.lane?.run({ op: 'chunkStream', stream: this.stream, parts: [], discard: true }).catch(() => {});
  }

  private finish(): void {
    this.done = true;
    this.lane?.close();
  }
}
