import { randomBytes } from 'node:crypto';
import { MemoryDestination } from '../destinations/memory';
import type { IndexedPack } from './blob-index';
import type { SpanBlob } from './crypto';
import { PackBuilder, packName } from './pack';
import { scanPack, SPAN_PIECE_BYTES, spanPieces } from './pack-pieces';
import type { MasterKeys } from './sealing';

const blob = (offset: number, length: number): SpanBlob => ({ id: `b${offset}`, offset, length, files: [] });

test('spanPieces cuts blobs in position order into spans of at most the limit, gaps included', () => {
  const blobs = [blob(0, 400), blob(400, 400), blob(900, 100), blob(1000, 50), blob(2000, 10)];
  expect(spanPieces(blobs, 1000).map((p) => p.map((b) => b.offset))).toEqual([[0, 400, 900], [1000], [2000]]);
  expect(spanPieces(blobs, 1050).map((p) => p.map((b) => b.offset))).toEqual([[0, 400, 900, 1000], [2000]]);
});

test('spanPieces gives a blob larger than the limit a piece of its own, and nothing for no blobs', () => {
  expect(spanPieces([blob(0, 10), blob(10, 5000), blob(5010, 10)], 1000).map((p) => p.length)).toEqual([1, 1, 1]);
  expect(spanPieces([], 1000)).toEqual([]);
});

describe('scanPack', () => {
  const keys: MasterKeys = { encryption: randomBytes(32), id: randomBytes(32) };

  /** A stored pack of blobs of the given sizes (random bytes stand for sealed blobs: scanPack does not open them). */
  async function storedPack(sizes: number[]): Promise<{ destination: MemoryDestination; pack: IndexedPack; bytes: Map<string, Buffer> }> {
    const builder = new PackBuilder();
    const bytes = new Map<string, Buffer>();
    sizes.forEach((size, i) => {
      const sealed = randomBytes(size);
      bytes.set(`blob${i}`, Buffer.from(sealed));
      builder.add(`blob${i}`, sealed);
    });
    const finished = await builder.finish(keys);
    const destination = new MemoryDestination('pack-pieces');
    await destination.save(packName(finished.id), finished.parts);
    return { destination, pack: { id: finished.id, size: finished.size, blobs: finished.blobs }, bytes };
  }

  test('hands over every blob in pieces of at most SPAN_PIECE_BYTES, reads every byte once, and returns the header', async () => {
    const { destination, pack, bytes } = await storedPack([3_000_000, 10, 700_000, 700_000, 700_000, 123]);
    const seen = new Map<string, Buffer>();
    const reads: number[] = [];
    const load = destination.load.bind(destination);
    destination.load = (name, range) => (reads.push(range!.length), load(name, range));
    let counted = 0;
    const header = await scanPack(destination, keys, pack, async (blob, sealed) => void seen.set(blob.id, Buffer.from(sealed)), (n) => (counted += n));
    expect(header).toEqual(pack.blobs);
    expect([...seen.keys()].sort()).toEqual([...bytes.keys()].sort());
    for (const [id, sealed] of bytes) expect(seen.get(id)!.equals(sealed)).toBe(true);
    expect(counted).toBe(pack.size);
    expect(reads.reduce((a, b) => a + b, 0)).toBe(pack.size);
    expect(reads.filter((n) => n > SPAN_PIECE_BYTES)).toEqual([3_000_000]); // a blob larger than a piece is read alone
  });

  test('bytes between the blobs an index entry names are read and checked too', async () => {
    const { destination, pack } = await storedPack([5000, 6000, 7000]);
    const partial = { ...pack, blobs: [pack.blobs[0], pack.blobs[2]] }; // the middle blob unnamed
    const seen: string[] = [];
    await scanPack(destination, keys, partial, async (blob) => void seen.push(blob.id), () => {});
    expect(seen).toEqual(['blob0', 'blob2']);
    destination.raw(packName(pack.id))[pack.blobs[1].offset + 100] ^= 1; // in the unnamed blob
    await expect(scanPack(destination, keys, partial, async () => {}, () => {})).rejects.toThrow(/does not match its id/);
  });

  test('an index entry that places blobs over each other or past the end is refused before reading', async () => {
    const { destination, pack } = await storedPack([5000, 6000]);
    const over = { ...pack, blobs: [pack.blobs[0], { ...pack.blobs[1], offset: 4000 }] };
    await expect(scanPack(destination, keys, over, async () => {}, () => {})).rejects.toThrow(/the index places blob blob1 of .* over another blob or outside the pack/);
    const past = { ...pack, blobs: [{ ...pack.blobs[1], length: pack.size }] };
    await expect(scanPack(destination, keys, past, async () => {}, () => {})).rejects.toThrow(/outside the pack/);
  });
});
