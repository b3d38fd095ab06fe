/**
 * The index in columns (./blob-table.ts) against what a map of objects would say, on ids as the repository
 * makes them (MACs), and the loading rules: superseded files are skipped, a pack is known once, a blob in
 * two packs is found in the file that sorts first, a damaged file is named.
 */
import { createHash, randomBytes } from 'node:crypto';
import { MemoryDestination } from '../destinations/memory';
import { BlobIndex, encodeIndexFile, loadBlobIndex, type IndexedPack } from './blob-index';
import { BlobTable } from './blob-table';

const blobId = (n: number | string) => createHash('sha256').update(`blob ${n}`).digest('hex');
const packId = () => randomBytes(32).toString('hex');

function makePack(from: number, count: number, start = 0): IndexedPack {
  const blobs = Array.from({ length: count }, (_, i) => ({ id: blobId(from + i), offset: start + i * 1000, length: 1000 + (i % 7) }));
  return { id: packId(), size: start + count * 1000 + 50, blobs };
}

test('finds every blob of 60,000 in 40 packs where it lies, and nothing else', () => {
  const index = new BlobIndex();
  const packs = Array.from({ length: 40 }, (_, p) => makePack(p * 1500, 1500, p === 7 ? 2 ** 33 : 0));
  for (const pack of packs) index.addPack(pack);
  expect(index.blobCount).toBe(60_000);
  expect(index.packCount).toBe(40);
  const wrong = packs.flatMap((pack) => pack.blobs.filter((blob) => {
    const where = index.lookup(blob.id);
    return where?.packId !== pack.id || where.packSize !== pack.size || where.offset !== blob.offset || where.length !== blob.length;
  }));
  expect(wrong).toEqual([]);
  expect(Array.from({ length: 1000 }, (_, i) => blobId(60_000 + i)).filter((id) => index.has(id))).toEqual([]);
  expect(index.pack(packs[7].id)).toEqual(packs[7]);
  expect([...index.eachPack()]).toEqual(packs);
  expect([...index.packIds()]).toEqual(packs.map((p) => p.id));
});

test('an id that is not 64 hex digits is in no index, and cannot be added', () => {
  const index = new BlobIndex();
  const pack = makePack(0, 3);
  index.addPack(pack);
  for (const odd of ['', 'abc', pack.blobs[0].id.slice(0, 62), `${pack.blobs[0].id}00`, 'z'.repeat(64)]) expect(index.lookup(odd)).toBeUndefined();
  expect(() => index.addPack({ id: packId(), size: 10, blobs: [{ id: 'not-an-id', offset: 0, length: 1 }] })).toThrow(/not 64 hex digits/);
});

test('a blob in two packs is found in the first added; the same pack added again changes nothing', () => {
  const index = new BlobIndex();
  const first = makePack(0, 10);
  const second = makePack(5, 10, 500);
  index.addPack(first);
  index.addPack(second);
  index.addPack(first);
  expect(index.packCount).toBe(2);
  expect(index.blobCount).toBe(15);
  expect(index.lookup(blobId(7))?.packId).toBe(first.id);
  expect(index.lookup(blobId(12))).toEqual({ packId: second.id, packSize: second.size, offset: 500 + 7 * 1000, length: 1000 });
  expect(index.pack(second.id)).toEqual(second); // its copies of blobs 5-9 are still listed: prune needs them
});

test('the columns grow keeping every blob, reserve() makes room for exactly so many, and free() lets them go', () => {
  const table = new BlobTable();
  const packs = Array.from({ length: 5 }, (_, p) => makePack(p * 300, 300));
  for (const pack of packs.slice(0, 2)) table.append(pack);
  table.reserve(900);
  expect(table.offsets.length).toBe(1500);
  expect(table.ids.length).toBe(1500 * 32);
  for (const pack of packs.slice(2)) table.append(pack);
  expect(table.offsets.length).toBe(1500); // no growth past what was reserved
  table.append(makePack(1500, 1));
  expect(table.offsets.length).toBe(1875); // a quarter more
  expect(table.ids.length).toBe(1875 * 32);
  expect(packs.map((_, p) => table.pack(p))).toEqual(packs);
  expect(table.pack(5).blobs[0].id).toBe(blobId(1500));
  const columns = [table.words, table.offsets, table.lengths, table.packOf];
  table.free();
  expect(columns.map((column) => column.buffer.byteLength)).toEqual([0, 0, 0, 0]);
});

describe('loadBlobIndex', () => {
  const open = (destination: MemoryDestination) => async (name: string) => destination.load(name);

  test('skips superseded files, prefers the file that sorts first, and names a damaged one', async () => {
    const destination = new MemoryDestination('index');
    const [a, b, c] = [makePack(0, 4), makePack(2, 4), makePack(100, 4)];
    await destination.save('index/b', encodeIndexFile([b]));
    await destination.save('index/a', encodeIndexFile([a]));
    await destination.save('index/old', encodeIndexFile([c]));
    await destination.save('index/new', encodeIndexFile([], ['index/old']));
    await destination.save('index/bad', encodeIndexFile([{ id: packId(), size: 1, blobs: [{ id: 'x'.repeat(64), offset: 0, length: 1 }] }]));
    const damaged: string[] = [];
    const index = await loadBlobIndex(destination, open(destination), (name, err) => damaged.push(`${name}: ${err.message}`));
    expect(damaged).toEqual([expect.stringMatching(/^index\/bad: .*not 64 hex digits/)]);
    expect(index.files).toEqual(['index/a', 'index/b', 'index/new']);
    expect(index.lookup(blobId(3))?.packId).toBe(a.id);
    expect(index.lookup(blobId(5))?.packId).toBe(b.id);
    expect(index.has(blobId(100))).toBe(false);
    expect(index.hasPack(c.id)).toBe(false);
    await expect(loadBlobIndex(destination, open(destination))).rejects.toThrow(/not 64 hex digits/);
  });
});
