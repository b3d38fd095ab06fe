/**
 * Content-defined chunking (FastCDC style: a gear rolling hash with normalized chunk sizes), so that an
 * insert early in a dump moves only nearby chunk boundaries and the rest of the dump deduplicates against
 * the previous backup. The gear table comes from the repository's secret chunker seed, so chunk sizes do
 * not reveal content to someone who can only see object sizes.
 *
 * Memory: one pending chunk (at most maxSize bytes) at a time.
 */
import { createHash } from 'node:crypto';
import { freeNow } from '../common/free-now';

export interface ChunkerParams {
  minSize: number;
  avgSize: number;
  maxSize: number;
}

export const DEFAULT_CHUNKER: ChunkerParams = { minSize: 512 * 1024, avgSize: 1024 * 1024, maxSize: 4 * 1024 * 1024 };

/**
 * 256 pseudo-random 32-bit values from the seed (SHA-256 in counter mode). Kept as int32 so that the hot
 * loop stays in V8's small-integer arithmetic (uint32 values above 2^31 would be boxed as doubles).
 */
export function gearTable(seed: Buffer): Int32Array {
  const table = new Int32Array(256);
  for (let block = 0; block < 32; block++) {
    const digest = createHash('sha256').update(seed).update(String(block)).digest();
    for (let i = 0; i < 8; i++) table[block * 8 + i] = digest.readInt32BE(i * 4);
  }
  return table;
}

function highBitsMask(bits: number): number {
  return (0xffffffff << (32 - bits)) | 0;
}

/**
 * Cuts one byte stream into chunks as its pieces come, synchronously: the chunking of a stream that a
 * sealing worker keeps between jobs (./workers/chunk-sessions.ts). Where a boundary falls depends only on
 * the bytes, never on how they were split into pieces.
 */
export class ChunkCutter {
  private readonly strictMask: number;
  private readonly looseMask: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private hash = 0;
  /** Input buffers with bytes still pending (with ownsInput): freed once those are copied into a chunk. */
  private held: Buffer[] = [];

  /**
   * With `ownsInput`, the pieces are this cutter's alone (moved to a worker for it): each is freed as soon
   * as its bytes are in chunks, not left for the collector.
   */
  constructor(
    private readonly gear: Int32Array,
    private readonly params: ChunkerParams = DEFAULT_CHUNKER,
    private readonly ownsInput = false,
  ) {
    const bits = Math.round(Math.log2(params.avgSize));
    this.strictMask = highBitsMask(bits + 2);
    this.looseMask = highBitsMask(bits - 2);
  }

  /** The chunks `data` completes, in order; its bytes after the last boundary stay pending. */
  cut(data: Buffer): Buffer[] {
    const chunks: Buffer[] = [];
    let offset = 0;
    while (offset < data.length) {
      const cut = this.findBoundary(data, offset);
      if (cut < 0) {
        this.keep(data.subarray(offset));
        break;
      }
      this.keep(data.subarray(offset, cut));
      chunks.push(this.take());
      offset = cut;
    }
    if (this.ownsInput) {
      if (offset < data.length) this.held.push(data); // its tail is pending
      else freeNow(data);
    }
    return chunks;
  }

  /** The bytes still pending, as the stream's last chunk (none when the stream ended on a boundary). */
  finish(): Buffer | undefined {
    return this.pendingBytes > 0 ? this.take() : undefined;
  }

  /** Drops what is pending: the stream will not go on. */
  discard(): void {
    this.pending = [];
    this.pendingBytes = 0;
    if (this.ownsInput) for (const input of this.held.splice(0)) freeNow(input);
  }

  /** Index in data just past the next boundary, or -1 when the chunk continues past data's end. */
  private findBoundary(data: Buffer, start: number): number {
    const { minSize, avgSize, maxSize } = this.params;
    let size = this.pendingBytes;
    let i = start;
    // No boundary may fall below minSize, so those bytes need no hashing at all.
    if (size < minSize) {
      const skip = Math.min(minSize - size, data.length - i);
      i += skip;
      size += skip;
      if (size < minSize) return -1;
    }
    // Normalized chunking: a stricter mask before avgSize, a looser one after it, a hard cut at maxSize.
    const strictEnd = i + Math.max(0, Math.min(avgSize - size, data.length - i));
    let cut = this.scan(data, i, strictEnd, this.strictMask);
    if (cut >= 0) return cut;
    size += strictEnd - i;
    i = strictEnd;
    const looseEnd = i + Math.max(0, Math.min(maxSize - size, data.length - i));
    cut = this.scan(data, i, looseEnd, this.looseMask);
    if (cut >= 0) return cut;
    if (size + (looseEnd - i) >= maxSize) {
      this.hash = 0;
      return looseEnd;
    }
    return -1;
  }

  /** The gear-hash loop: index just past the first byte whose hash matches the mask, or -1. */
  private scan(data: Buffer, from: number, to: number, mask: number): number {
    const gear = this.gear;
    let hash = this.hash;
    for (let i = from; i < to; i++) {
      hash = ((hash << 1) + gear[data[i]]) | 0;
      if ((hash & mask) === 0) {
        this.hash = 0;
        return i + 1;
      }
    }
    this.hash = hash;
    return -1;
  }

  private keep(part: Buffer): void {
    if (part.length === 0) return;
    this.pending.push(part);
    this.pendingBytes += part.length;
  }

  /** The pending bytes as one chunk in a buffer of its own (the inputs they lay in may then be freed). */
  private take(): Buffer {
    const chunk = Buffer.allocUnsafeSlow(this.pendingBytes);
    let at = 0;
    for (const part of this.pending) at += part.copy(chunk, at);
    this.pending = [];
    if (this.ownsInput) for (const input of this.held.splice(0)) freeNow(input);
    this.pendingBytes = 0;
    this.hash = 0;
    return chunk;
  }
}
