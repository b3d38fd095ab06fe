/**
 * The chunking of byte streams, kept on a sealing worker between the jobs that feed it: cutting, the
 * stream's SHA-256 and each chunk's content id are the work of a pass over every byte, and here they
 * leave the main thread, which only reads the stream and stores what comes back.
 */
import { createHash, type Hash } from 'node:crypto';
import { ChunkCutter, gearTable } from '../chunker';
import { contentId, type MasterKeys } from '../sealing';
import type { ChunkingStart, IdentifiedChunk, Job, JobResult } from './jobs';
import { owning } from './transfer';

interface Chunking {
  keys: MasterKeys;
  cutter: ChunkCutter;
  hash: Hash;
  size: number;
}

const streams = new Map<number, Chunking>();

/** The gear table of the seed met last: a worker chunks for one repository at a time, two in a copy. */
let lastGear: { seed: Buffer; gear: Int32Array } | undefined;

function begin(start: ChunkingStart): Chunking {
  const seed = Buffer.from(start.seed.buffer, start.seed.byteOffset, start.seed.byteLength);
  if (!lastGear?.seed.equals(seed)) lastGear = { seed: Buffer.from(seed), gear: gearTable(seed) };
  // The pieces were moved here: the cutter frees each once its bytes are in chunks.
  return { keys: start.keys, cutter: new ChunkCutter(lastGear.gear, start.params, true), hash: createHash('sha256'), size: 0 };
}

export function chunkStream(job: Extract<Job, { op: 'chunkStream' }>): Extract<JobResult, { op: 'chunkStream' }> {
  if (job.discard) {
    streams.get(job.stream)?.cutter.discard();
    streams.delete(job.stream);
    return { op: 'chunkStream', chunks: [] };
  }
  let chunking = streams.get(job.stream);
  if (!chunking) {
    if (!job.start) throw new Error(`chunking stream ${job.stream} is unknown to this worker`);
    streams.set(job.stream, (chunking = begin(job.start)));
  }
  try {
    const chunks: IdentifiedChunk[] = [];
    const identify = (chunk: Buffer) => chunks.push({ id: contentId(chunking.keys, chunk), data: owning(chunk) });
    for (const part of job.parts) {
      const piece = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
      chunking.hash.update(piece);
      chunking.size += piece.length;
      chunking.cutter.cut(piece).forEach(identify);
    }
    if (!job.end) return { op: 'chunkStream', chunks };
    const last = chunking.cutter.finish();
    if (last) identify(last);
    streams.delete(job.stream);
    return { op: 'chunkStream', chunks, size: chunking.size, sha256: chunking.hash.digest('hex') };
  } catch (err) {
    chunking.cutter.discard();
    streams.delete(job.stream);
    throw err;
  }
}
