import { createHash, randomBytes } from 'node:crypto';
import { ChunkCutter, gearTable } from './chunker';
import { cutAll } from './chunker.testkit';
import { contentId, type MasterKeys } from './sealing';
import { StreamChunking, type Cut } from './stream-chunking';
import { sealingPool } from './workers/pool';

const keys: MasterKeys = { encryption: randomBytes(32), id: randomBytes(32) };
const seed = randomBytes(32);
const params = { minSize: 16 * 1024, avgSize: 64 * 1024, maxSize: 256 * 1024 };

function pieces(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) {
    const piece = Buffer.allocUnsafeSlow(Math.min(size, data.length - at)); // a buffer of its own, as a file read gives
    out.push(piece.fill(data.subarray(at, at + piece.length)));
  }
  return out;
}

async function chunkOnWorker(data: Buffer, pieceSize: number, perFeed: number, giveAway: boolean): Promise<Cut[]> {
  const chunking = new StreamChunking(keys, seed, params);
  const all = pieces(data, pieceSize);
  const feeds: Promise<Cut>[] = [];
  for (let at = 0; at < all.length || feeds.length === 0; at += perFeed) {
    const batch = all.slice(at, at + perFeed);
    feeds.push(chunking.feed(batch, giveAway, at + perFeed >= all.length));
  }
  return Promise.all(feeds);
}

describe('a stream chunked on a worker', () => {
  const data = randomBytes(3 * 1024 * 1024 + 12345);
  const expected = cutAll(new ChunkCutter(gearTable(seed), params), pieces(data, 100_000));

  test('gives the chunks the cutter gives, each with its content id, then the size and SHA-256 of the whole', async () => {
    const cuts = await chunkOnWorker(data, 70_000, 5, false);
    const chunks = cuts.flatMap((cut) => cut.chunks);
    expect(chunks.map((c) => c.data.length)).toEqual(expected.map((c) => c.length));
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(data)).toBe(true);
    expect(chunks.every((c) => c.id === contentId(keys, c.data))).toBe(true);
    expect(cuts.slice(0, -1).every((cut) => cut.end === undefined)).toBe(true);
    expect(cuts.at(-1)!.end).toEqual({ size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  });

  test('pieces given away are moved to the worker, not copied, and cut the same', async () => {
    const given = pieces(data, 256 * 1024);
    const chunking = new StreamChunking(keys, seed, params);
    const cuts = await Promise.all([chunking.feed(given.slice(0, 6), true, false), chunking.feed(given.slice(6), true, true)]);
    expect(given.map((piece) => piece.length)).toEqual(given.map(() => 0));
    expect(cuts.flatMap((cut) => cut.chunks.map((c) => c.data.length))).toEqual(expected.map((c) => c.length));
  });

  test('streams fed at once, on both workers, keep apart', async () => {
    const other = randomBytes(1024 * 1024);
    const [a, b, c] = await Promise.all([chunkOnWorker(data, 50_000, 3, false), chunkOnWorker(other, 64 * 1024, 1, true), chunkOnWorker(data, 1 << 20, 1, false)]);
    for (const [cuts, whole] of [[a, data], [b, other], [c, data]] as const) {
      expect(Buffer.concat(cuts.flatMap((cut) => cut.chunks.map((ch) => ch.data))).equals(whole)).toBe(true);
      expect(cuts.at(-1)!.end!.size).toBe(whole.length);
    }
  });

  test('an empty stream has no chunks; a stream under the minimum is one chunk', async () => {
    const empty = await new StreamChunking(keys, seed, params).feed([], false, true);
    expect(empty).toEqual({ chunks: [], end: { size: 0, sha256: createHash('sha256').digest('hex') } });
    const small = await new StreamChunking(keys, seed, params).feed([Buffer.from('tiny')], false, true);
    expect(small.chunks.map((c) => String(c.data))).toEqual(['tiny']);
  });

  test('a stream abandoned midway is forgotten by its worker: a feed after it fails and names the stream', async () => {
    const chunking = new StreamChunking(keys, seed, params);
    await chunking.feed(pieces(data, 1 << 20).slice(0, 1), false, false);
    chunking.abandon();
    await expect(chunking.feed([Buffer.from('more')], false, true)).rejects.toThrow(/chunking stream \d+ is unknown to this worker/);
  });

  test('a lane runs its jobs on one worker in order while other jobs share the pool', async () => {
    const lane = sealingPool().lane();
    const started = lane.run({ op: 'chunkStream', stream: 1e9, start: { keys, seed: Uint8Array.from(seed), params }, parts: [Uint8Array.from(data.subarray(0, 40_000))] });
    const ended = lane.run({ op: 'chunkStream', stream: 1e9, parts: [Uint8Array.from(data.subarray(40_000, 50_000))], end: true });
    lane.close();
    expect((await started).chunks.map((c) => c.data.length)).toEqual(expected.slice(0, (await started).chunks.length).map((c) => c.length));
    expect((await ended).size).toBe(50_000);
  });
});
