import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { partsFrom } from './destination';
import { DIRECT_ALIGNMENT, DirectIoUnsupported, writeDirectPrefix } from './direct-write';
import { LocalDestination } from './local';

/** Bytes of `file` in the page cache, as util-linux's fincore reports them. */
function cachedBytes(file: string): number {
  return JSON.parse(execFileSync('fincore', ['--json', '--bytes', file], { encoding: 'utf8' })).fincore[0].res;
}

/** `total` bytes cut into parts of odd sizes, none of them aligned. */
function oddParts(total: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let left = total, i = 0; left > 0; i++) {
    const size = Math.min(left, [1, 4095, 70_001, 1_048_577, 333][i % 5]);
    parts.push(randomBytes(size));
    left -= size;
  }
  return parts;
}

let dir: string;
let direct: boolean; // whether this machine's temporary directory takes O_DIRECT writes
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-direct-'));
  const probe = path.join(dir, 'probe');
  await fs.writeFile(probe, '');
  direct = await writeDirectPrefix(probe, [Buffer.alloc(DIRECT_ALIGNMENT)], DIRECT_ALIGNMENT).then(
    () => true,
    (err) => (err instanceof DirectIoUnsupported ? false : Promise.reject(err)),
  );
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('writeDirectPrefix', () => {
  test('writes the aligned prefix of parts with odd boundaries, in several pieces, past the page cache', async () => {
    if (!direct) return; // no O_DIRECT here: the LocalDestination tests below show the buffered fallback
    const parts = oddParts(3 * 1024 * 1024 + 5000);
    const length = 3 * 1024 * 1024 + DIRECT_ALIGNMENT;
    const file = path.join(dir, 'prefix');
    await fs.writeFile(file, '');
    expect(await writeDirectPrefix(file, parts, length)).toBe(length);
    expect(cachedBytes(file)).toBe(0);
    expect((await fs.readFile(file)).equals(Buffer.concat(parts).subarray(0, length))).toBe(true);
  });

  test('a buffer the kernel cannot take directly is a refusal the caller can fall back from', async () => {
    if (!direct) return;
    const file = path.join(dir, 'refused');
    await fs.writeFile(file, '');
    const misaligned = Buffer.alloc(2 * 1024 * 1024 + 1).subarray(1, 1024 * 1024 + 1);
    await expect(writeDirectPrefix(file, [randomBytes(DIRECT_ALIGNMENT)], DIRECT_ALIGNMENT, misaligned)).rejects.toBeInstanceOf(DirectIoUnsupported);
  });

  test('a length that is not a whole number of blocks is refused before anything is written', async () => {
    const file = path.join(dir, 'unaligned');
    await fs.writeFile(file, '');
    await expect(writeDirectPrefix(file, [randomBytes(5000)], 5000)).rejects.toBeInstanceOf(DirectIoUnsupported);
    expect((await fs.stat(file)).size).toBe(0);
  });
});

test('partsFrom skips whole parts and cuts the one the start falls in', () => {
  const parts = [Buffer.from('abc'), Buffer.from(''), Buffer.from('defg'), Buffer.from('h')];
  expect(Buffer.concat(partsFrom(parts, 0)).toString()).toBe('abcdefgh');
  expect(Buffer.concat(partsFrom(parts, 3)).toString()).toBe('defgh');
  expect(Buffer.concat(partsFrom(parts, 5)).toString()).toBe('fgh');
  expect(partsFrom(parts, 8)).toEqual([]);
});

describe('LocalDestination writes of large objects', () => {
  const sizes = [1024 * 1024, 1024 * 1024 + 1, 300 * DIRECT_ALIGNMENT, 5 * 1024 * 1024 + 123, 1024 * 1024 - 1];

  test.each(sizes)('an object of %i bytes in odd parts loads back byte for byte, only its tail cached', async (size) => {
    const destination = new LocalDestination(dir);
    const parts = oddParts(size);
    await destination.save(`packs/${size}`, parts);
    const file = path.join(dir, 'packs', String(size));
    const tail = size % DIRECT_ALIGNMENT;
    if (direct && size >= 1024 * 1024) expect(cachedBytes(file)).toBe(tail === 0 ? 0 : DIRECT_ALIGNMENT);
    expect((await destination.load(`packs/${size}`)).equals(Buffer.concat(parts))).toBe(true);
  });

  test('on a file system that refuses O_DIRECT (ramfs), saves fall back to buffered writes and land whole', async () => {
    const mountPoint = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-ramfs-'));
    execFileSync('mount', ['-t', 'ramfs', 'ramfs', mountPoint]);
    try {
      const probe = path.join(mountPoint, 'probe');
      await fs.writeFile(probe, '');
      await expect(writeDirectPrefix(probe, [Buffer.alloc(DIRECT_ALIGNMENT)], DIRECT_ALIGNMENT)).rejects.toBeInstanceOf(DirectIoUnsupported);
      const destination = new LocalDestination(mountPoint);
      const objects = [oddParts(3 * 1024 * 1024 + 5), oddParts(2 * 1024 * 1024)];
      for (const [i, parts] of objects.entries()) await destination.save(`packs/${i}`, parts); // the first is refused, the second never tries
      for (const [i, parts] of objects.entries()) expect((await destination.load(`packs/${i}`)).equals(Buffer.concat(parts))).toBe(true);
      expect((await fs.readdir(path.join(mountPoint, 'packs'))).sort()).toEqual(['0', '1']); // no temporary file left
    } finally {
      execFileSync('umount', [mountPoint]);
      await fs.rm(mountPoint, { recursive: true, force: true });
    }
  });

  test('more large saves at once than there are staging buffers all land whole', async () => {
    const destination = new LocalDestination(dir);
    const objects = Array.from({ length: 12 }, (_, i) => oddParts(2 * 1024 * 1024 + i * 777));
    await Promise.all(objects.map((parts, i) => destination.save(`many/${i}`, parts)));
    for (const [i, parts] of objects.entries()) {
      expect((await destination.load(`many/${i}`)).equals(Buffer.concat(parts))).toBe(true);
    }
  });
});
