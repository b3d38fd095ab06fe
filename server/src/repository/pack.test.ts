/**
 * A pack being filled copies small sealed parts into pieces of its own: whatever the mix of sizes, every
 * blob reads back as it was added, before the pack is finished and while it is being hashed, and the
 * finished pack's bytes hold each blob where its entry says.
 */
import { randomBytes } from 'node:crypto';
import { PackBuilder } from './pack';
import type { MasterKeys } from './sealing';

const keys: MasterKeys = { encryption: randomBytes(32), id: randomBytes(32) };

test('blobs of every size, in one part or two, read back whole from the pack being filled and from the finished one', async () => {
  const builder = new PackBuilder();
  const added = new Map<string, Buffer>();
  // Tiny blobs by the thousand fill pieces and cross their ends; large ones are kept as they are, between them.
  const sizes = [...Array.from({ length: 3000 }, (_, i) => 20 + (i % 180)), 70_000, 5, 300_000, ...Array.from({ length: 2000 }, (_, i) => 1 + ((i * 7919) % 5000))];
  sizes.forEach((size, i) => {
    const sealed = randomBytes(size);
    const id = `blob${i}`;
    added.set(id, Buffer.from(sealed));
    // Some come as a header and a body, as a small file sealed on a worker does.
    builder.add(id, i % 3 === 0 && size > 1 ? [sealed.subarray(0, 1), Buffer.from(sealed.subarray(1))] : sealed);
  });
  expect(builder.size).toBe(sizes.reduce((a, b) => a + b, 0));
  for (const index of [0, 1, 999, 3000, 3001, 3002, 4500, sizes.length - 1]) {
    expect((await builder.sealedAt(index)).equals(added.get(builder.blobs[index].id)!)).toBe(true);
  }
  const finishing = builder.finish(keys);
  expect((await builder.sealedAt(2000)).equals(added.get('blob2000')!)).toBe(true); // read while it is hashed
  const pack = Buffer.concat((await finishing).parts);
  for (const blob of builder.blobs) expect(pack.subarray(blob.offset, blob.offset + blob.length).equals(added.get(blob.id)!)).toBe(true);
});

test('the pack takes the parts it is given: a small one is copied and its buffer freed, a large one kept', () => {
  const builder = new PackBuilder();
  const small = Buffer.from(new Uint8Array(100).fill(7).buffer);
  const large = Buffer.from(new Uint8Array(100_000).fill(9).buffer);
  builder.add('small', small);
  builder.add('large', large);
  expect(small.length).toBe(0);
  expect(large.length).toBe(100_000);
});
