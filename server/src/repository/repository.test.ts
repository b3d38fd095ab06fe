import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { MmBackupError } from '../common/errors';
import { LocalDestination } from '../destinations/local';
import { ChunkCutter, gearTable } from './chunker';
import { cutAll } from './chunker.testkit';
import { newWriteStats, readBlobToBuffer, writeBlob, writeBufferBlob, writeSmallFileBlob } from './blobs';
import { passphraseSecret } from './keys';
import { objectName, Repository } from './repository';
import { sealingPool } from './workers/pool';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-repo-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

const secret = passphraseSecret('correct horse battery staple');

describe('Repository', () => {
  test('init then open with the same passphrase; the fingerprint is stable', async () => {
    const created = await Repository.init(new LocalDestination(dir), secret);
    const opened = await Repository.open(new LocalDestination(dir), secret);
    expect(opened.id).toBe(created.id);
    expect(opened.fingerprint).toBe(created.fingerprint);
  });

  test('a wrong passphrase is exit code 4 and the passphrase is not in the message', async () => {
    await Repository.init(new LocalDestination(dir), secret);
    const err = await Repository.open(new LocalDestination(dir), passphraseSecret('wrong passphrase here')).catch((e) => e);
    expect(err).toBeInstanceOf(MmBackupError);
    expect(err.exitCode).toBe(4);
    expect(err.message).not.toContain('wrong passphrase here');
  });

  test('init refuses an existing repository', async () => {
    await Repository.init(new LocalDestination(dir), secret);
    await expect(Repository.init(new LocalDestination(dir), secret)).rejects.toMatchObject({ code: 'REPO_EXISTS', exitCode: 2 });
  });

  test('a blob round-trips; the same content is stored once', async () => {
    const repo = await Repository.init(new LocalDestination(dir), secret);
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const first = newWriteStats();
    const ref = await writeBlob(repo, Readable.from([data]), first);
    expect(first.chunksNew).toBeGreaterThan(0);
    const second = newWriteStats();
    const again = await writeBlob(repo, Readable.from([data]), second);
    expect(again).toEqual(ref);
    expect(second.bytesWritten).toBe(0);
    expect((await readBlobToBuffer(repo, ref)).equals(data)).toBe(true);
  });

  test('the in-memory path for small data gives the same blob as the stream path', async () => {
    const repo = await Repository.init(new LocalDestination(dir), secret);
    for (const data of [Buffer.alloc(0), Buffer.from('small file'), randomBytes(300_000)]) {
      const viaStream = await writeBlob(repo, Readable.from([data]), newWriteStats());
      expect(await writeBufferBlob(repo, data, newWriteStats())).toEqual(viaStream);
      expect((await readBlobToBuffer(repo, viaStream)).equals(data)).toBe(true);
    }
  });

  test('a stream that ends under the minimum is one chunk without a chunking job; a longer one is cut on a worker as the cutter cuts', async () => {
    const repo = await Repository.init(new LocalDestination(dir), secret);
    const lane = jest.spyOn(sealingPool(), 'lane');
    const small = randomBytes(30_000);
    const ref = await writeBlob(repo, Readable.from([small.subarray(0, 10_000), small.subarray(10_000)]), newWriteStats());
    const { id, sha256 } = await repo.contentIdAndSha256(small);
    expect(ref).toEqual({ size: small.length, sha256, chunks: [id] });
    expect(lane).not.toHaveBeenCalled();
    const large = randomBytes(5 * 1024 * 1024);
    const pieces = Array.from({ length: 80 }, (_, i) => large.subarray(i * 65536, (i + 1) * 65536));
    const chunked = await writeBlob(repo, Readable.from(pieces), newWriteStats());
    expect(lane).toHaveBeenCalledTimes(1);
    lane.mockRestore();
    const cuts = cutAll(new ChunkCutter(gearTable(repo.chunkerSeed), repo.config.chunker), [large]);
    expect(chunked.chunks).toEqual(await Promise.all(cuts.map(async (c) => (await repo.contentIdAndSha256(c)).id)));
    expect(chunked.sha256).toBe(createHash('sha256').update(large).digest('hex'));
    expect((await readBlobToBuffer(repo, chunked)).equals(large)).toBe(true);
  });
});

/** The one stored file holding the data just written: its chunk object (format 1) or its pack (format 2). */
async function storedFile(repo: Repository, root: string, chunk: string): Promise<string> {
  await repo.flush();
  if (repo.formatVersion === 1) return path.join(root, objectName(chunk));
  const packs: string[] = [];
  for await (const o of repo.destination.list('data/')) packs.push(o.name);
  expect(packs).toHaveLength(1);
  return path.join(root, packs[0]);
}

describe.each([1, 2] as const)('Repository of format %i', (formatVersion) => {
  test('stored data reveals no plaintext and ids are keyed', async () => {
    const repo = await Repository.init(new LocalDestination(dir), secret, { formatVersion });
    const text = Buffer.from('SELECT secret_marker FROM posts; '.repeat(100));
    const ref = await writeBlob(repo, Readable.from([text]), newWriteStats());
    const stored = await fs.readFile(await storedFile(repo, dir, ref.chunks[0]));
    expect(stored.includes(Buffer.from('secret_marker'))).toBe(false);
    const other = await Repository.init(new LocalDestination(path.join(dir, 'other')), secret, { formatVersion });
    expect(other.contentId(text)).not.toBe(ref.chunks[0]);
  });

  test('a small file is stored as one chunk; one that grew past the minimum since it was listed is chunked', async () => {
    const repo = await Repository.init(new LocalDestination(path.join(dir, 'repo')), secret, { formatVersion });
    const small = path.join(dir, 'small.bin');
    const smallData = randomBytes(30_000);
    await fs.writeFile(small, smallData);
    const smallRef = await writeSmallFileBlob(repo, small, smallData.length, newWriteStats());
    expect(smallRef.chunks).toHaveLength(1);
    expect((await readBlobToBuffer(repo, smallRef)).equals(smallData)).toBe(true);

    const grown = path.join(dir, 'grown.bin');
    const grownData = randomBytes(repo.config.chunker.maxSize + repo.config.chunker.minSize); // past the maximum: always cut
    await fs.writeFile(grown, grownData);
    const grownRef = await writeSmallFileBlob(repo, grown, 1000, newWriteStats()); // listed at 1000 bytes
    expect(grownRef.size).toBe(grownData.length);
    expect(grownRef.chunks.length).toBeGreaterThan(1);
    await repo.flush();
    expect((await readBlobToBuffer(await Repository.open(new LocalDestination(path.join(dir, 'repo')), secret), grownRef)).equals(grownData)).toBe(true);
  });

  test('one flipped byte in the stored data fails authentication on read', async () => {
    const repo = await Repository.init(new LocalDestination(dir), secret, { formatVersion });
    const ref = await writeBlob(repo, Readable.from([randomBytes(100_000)]), newWriteStats());
    const file = await storedFile(repo, dir, ref.chunks[0]);
    const bytes = await fs.readFile(file);
    bytes[50_000] ^= 0x01;
    await fs.writeFile(file, bytes);
    const reopened = await Repository.open(new LocalDestination(dir), secret);
    await expect(readBlobToBuffer(reopened, ref)).rejects.toThrow(/failed authentication/);
  });

  test('a blob round-trips after reopening, and is found without listing the data', async () => {
    const repo = await Repository.init(new LocalDestination(dir), secret, { formatVersion, packSize: 1024 * 1024 });
    const data = randomBytes(5 * 1024 * 1024);
    const ref = await writeBlob(repo, Readable.from([data]), newWriteStats());
    await repo.flush();
    const reopened = await Repository.open(new LocalDestination(dir), secret);
    expect(reopened.formatVersion).toBe(formatVersion);
    await reopened.refreshIndex();
    expect(ref.chunks.every((id) => reopened.has(id))).toBe(true);
    expect((await readBlobToBuffer(reopened, ref)).equals(data)).toBe(true);
  });
});

