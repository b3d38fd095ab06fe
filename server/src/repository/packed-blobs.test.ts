/**
 * When a backup writes its index files: every so many packs, and every so many blobs whatever the packs
 * (a store of thumbnails fills 64 packs with 300,000 blobs, each an object in memory until its index file
 * is written). Each index file is written once its packs are stored, and every blob is found from them.
 */
import { randomBytes } from 'node:crypto';
import { MemoryDestination } from '../destinations/memory';
import { INDEX_PREFIX } from './blob-index';
import { contentId, open, seal, type MasterKeys } from './crypto';
import { PackedBlobs } from './packed-blobs';

const keys: MasterKeys = { encryption: randomBytes(32), id: randomBytes(32) };

function packedBlobs(destination: MemoryDestination, packSize: number, indexEvery: { packs: number; blobs: number }): PackedBlobs {
  return new PackedBlobs(destination, keys, packSize, async (name) => open(keys, name, await destination.load(name)),
    async (name, plaintext) => destination.save(name, await seal(keys, name, plaintext, undefined, 2)), indexEvery);
}

async function indexFiles(destination: MemoryDestination): Promise<number> {
  let count = 0;
  for await (const _ of destination.list(INDEX_PREFIX)) count++;
  return count;
}

test('an index file is written every so many blobs, before the flush, and every blob is found from the index files', async () => {
  const destination = new MemoryDestination();
  const blobs = packedBlobs(destination, 16 * 1024, { packs: 1000, blobs: 100 });
  await blobs.loadIndex();
  const plaintexts = Array.from({ length: 450 }, () => randomBytes(600)); // about 25 to a pack of 16 KiB
  const ids = plaintexts.map((p) => contentId(keys, p));
  for (let i = 0; i < plaintexts.length; i++) await blobs.save(ids[i], Buffer.from(plaintexts[i]));
  const beforeFlush = await indexFiles(destination);
  // 18 packs: an index file every 4 or 5 of them, not one for each, nor one for all.
  expect(beforeFlush).toBeGreaterThanOrEqual(3);
  expect(beforeFlush).toBeLessThanOrEqual(5);
  await blobs.flush();
  expect(await indexFiles(destination)).toBe(beforeFlush + 1);

  const reader = packedBlobs(destination, 16 * 1024, { packs: 1000, blobs: 100 });
  await reader.loadIndex();
  expect(reader.index.blobCount).toBe(450);
  for (const i of [0, 99, 100, 449]) expect((await reader.load(ids[i])).equals(plaintexts[i])).toBe(true);
});

test('an index file is written every so many packs, however few blobs they hold', async () => {
  const destination = new MemoryDestination();
  const blobs = packedBlobs(destination, 1024, { packs: 2, blobs: 1_000_000 });
  await blobs.loadIndex();
  for (let i = 0; i < 6; i++) {
    const plaintext = randomBytes(2000); // one blob fills a pack of 1 KiB
    await blobs.save(contentId(keys, plaintext), plaintext);
  }
  expect(await indexFiles(destination)).toBeGreaterThanOrEqual(2);
  await blobs.flush();
  const reader = packedBlobs(destination, 1024, { packs: 2, blobs: 1_000_000 });
  await reader.loadIndex();
  expect(reader.index.blobCount).toBe(6);
  expect(reader.index.packCount).toBe(6);
});
