import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { hashPack, open, sealFile, sealParts, writeFilesFromSpan } from '../crypto';
import { readWholeFile } from '../read-whole';
import { contentId, DecryptError, openSync, sha256, type MasterKeys } from '../sealing';
import { sealingPool } from './pool';

const keys: MasterKeys = { encryption: randomBytes(32), id: randomBytes(32) };
const other: MasterKeys = { encryption: randomBytes(32), id: randomBytes(32) };
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sealing-pool-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

test('what a worker seals opens on this thread and on a worker, in both layouts; compressible data shrinks', async () => {
  const text = Buffer.from('a line of a Mattermost post\n'.repeat(20_000));
  for (const version of [1, 2] as const) {
    const [header, body] = await sealParts(keys, 'name', text, undefined, version);
    expect(header.length + body.length).toBeLessThan(text.length / 10);
    const sealed = Buffer.concat([header, body]);
    expect(openSync(keys, 'name', sealed).equals(text)).toBe(true);
    expect((await open(keys, 'name', sealed)).equals(text)).toBe(true);
  }
});

test('a worker failure comes back as the error it was: another key, another name and a wrong id are DecryptErrors', async () => {
  const data = randomBytes(100_000);
  const sealed = Buffer.concat(await sealParts(keys, contentId(keys, data), data, undefined, 2));
  await expect(open(other, contentId(keys, data), sealed)).rejects.toBeInstanceOf(DecryptError);
  await expect(open(keys, 'another name', sealed)).rejects.toThrow('failed authentication');
  await expect(open(keys, contentId(keys, data), sealed, 'f'.repeat(64))).rejects.toThrow(/holds content of another id/);
  const flipped = Buffer.from(sealed);
  flipped[4] ^= 1; // the flags byte: authenticated in layout 2
  await expect(open(keys, contentId(keys, data), flipped)).rejects.toBeInstanceOf(DecryptError);
});

test('sealFile seals a whole file on a worker, which frees the moved bytes', async () => {
  const data = randomBytes(70_000);
  const moved = Buffer.from(data);
  const sealed = await sealFile(keys, moved, 2);
  expect(sealed).toMatchObject({ size: data.length, sha256: sha256(data), id: contentId(keys, data) });
  expect(openSync(keys, sealed.id, Buffer.concat(sealed.sealed)).equals(data)).toBe(true);
  expect(moved.length).toBe(0); // moved to the worker, not copied
});

test('with every worker busy and jobs waiting, sealFile seals on this thread: the same blob, and the bytes are freed', async () => {
  const pool = sealingPool();
  const busy = Array.from({ length: 12 }, () => sealParts(keys, 'busy', randomBytes(1 << 20), undefined, 2));
  expect(pool.saturated).toBe(true);
  const run = jest.spyOn(pool, 'run');
  const data = randomBytes(70_000);
  const given = Buffer.from(data);
  const sealed = await sealFile(keys, given, 2);
  expect(run).not.toHaveBeenCalled();
  run.mockRestore();
  expect(sealed).toMatchObject({ size: data.length, sha256: sha256(data), id: contentId(keys, data) });
  expect(openSync(keys, sealed.id, Buffer.concat(sealed.sealed)).equals(data)).toBe(true);
  expect(given.length).toBe(0); // freed, as a worker frees what it was given
  await Promise.all(busy);
  expect(pool.saturated).toBe(false);
});

test('readWholeFile reads a small file whole, says when it is too large or grew, and keeps the code of an fs error', async () => {
  const file = path.join(dir, 'small.bin');
  const data = randomBytes(70_000);
  await fs.writeFile(file, data);
  const read = (await readWholeFile(file, data.length, 100_000))!;
  expect(read.equals(data)).toBe(true);
  expect(read.buffer.byteLength).toBe(data.length); // its own buffer, exactly: it moves to a worker uncopied
  expect(await readWholeFile(file, data.length, 70_000)).toBeUndefined();
  expect(await readWholeFile(file, 60_000, 100_000)).toBeUndefined(); // grew since it was listed
  expect(await readWholeFile(file, data.length - 1, 100_000)).toBeUndefined(); // by one byte
  expect((await readWholeFile(file, 80_000, 100_000))!.equals(data)).toBe(true); // shrank: what is there now
  await fs.writeFile(path.join(dir, 'empty'), '');
  expect((await readWholeFile(path.join(dir, 'empty'), 0, 100_000))!.length).toBe(0);
  expect(await readWholeFile(file, 0, 100_000)).toBeUndefined(); // listed empty, not empty now
  await expect(readWholeFile(path.join(dir, 'missing'), 10, 100_000)).rejects.toMatchObject({ code: 'ENOENT' });
});

test('a hashed pack has the id of its bytes and its parts back', async () => {
  const parts = [Buffer.from(randomBytes(50_000)), Buffer.from(randomBytes(30_000)), Buffer.from([1, 2, 3, 4])];
  const whole = Buffer.concat(parts);
  const hashed = await hashPack(keys, parts.map((p) => Buffer.from(p)));
  expect(hashed.parts.map((p) => p.length)).toEqual([50_000, 30_000, 4]); // given back as they were, not joined
  expect(Buffer.concat(hashed.parts).equals(whole)).toBe(true);
  expect(hashed.id).toBe(contentId(keys, whole));
  expect(hashed.md5).toBeUndefined(); // a pass over the bytes only for a store that checks with it
  expect(hashed.crc32).toBeUndefined();
  const withMd5 = await hashPack(keys, parts.map((p) => Buffer.from(p)), 'md5');
  expect(withMd5.md5).toBe(createHash('md5').update(whole).digest('hex'));
  const withCrc32 = await hashPack(keys, parts, 'crc32');
  expect(withCrc32.crc32).toBe(crc32(whole));
  expect(withCrc32.md5).toBeUndefined();
});

test('writeFiles writes each blob of a span to its files with mode and time, and refuses a blob of the wrong size', async () => {
  const blobs = [randomBytes(20_000), randomBytes(5_000)].map((data) => ({ data, id: contentId(keys, data) }));
  const sealed = await Promise.all(blobs.map(async (b) => Buffer.concat(await sealParts(keys, b.id, b.data, undefined, 2))));
  const span = Buffer.concat([randomBytes(100), ...sealed]);
  const mtimeMs = Date.UTC(2025, 0, 2, 3, 4, 5);
  const files = ['a', 'b', 'c'].map((n) => path.join(dir, n));
  const spanBlobs = [
    { id: blobs[0].id, offset: 1100, length: sealed[0].length, files: [{ path: files[0], size: 20_000, mode: 0o640, mtimeMs }, { path: files[1], size: 20_000, mode: 0o600, mtimeMs }] },
    { id: blobs[1].id, offset: 1100 + sealed[0].length, length: sealed[1].length, files: [{ path: files[2], size: 5_000, mode: 0o644, mtimeMs }] },
  ];
  expect(await writeFilesFromSpan(keys, span, 1000, spanBlobs)).toEqual({ bytes: 45_000, files: 3 });
  expect((await fs.readFile(files[1])).equals(blobs[0].data)).toBe(true);
  expect((await fs.readFile(files[2])).equals(blobs[1].data)).toBe(true);
  const stat = await fs.stat(files[0]);
  expect(stat.mode & 0o777).toBe(0o640);
  expect(stat.mtimeMs).toBe(mtimeMs);
  const wrongSize = [{ ...spanBlobs[1], files: [{ path: path.join(dir, 'd'), size: 4_999, mode: 0o644, mtimeMs }] }];
  await expect(writeFilesFromSpan(keys, Buffer.concat([randomBytes(100), ...sealed]), 1000, wrongSize)).rejects.toThrow(/holds 5000 bytes; the listing says 4999/);
});
