/**
 * A backup compares with the previous listing while it is still being read: whatever the listing says and
 * however the store is laid out, the listing written is the one a capture with no previous listing writes,
 * and a file is taken from the previous listing only when it is unchanged and its chunks are all stored.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { silentReporter, type Reporter } from '../common/reporter';
import { LocalDestination } from '../destinations/local';
import { newWriteStats, readBlobLines, writeBlob } from '../repository/blobs';
import { DEFAULT_CHUNKER } from '../repository/chunker';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import type { TreeRoot } from '../repository/snapshots';
import { afterInWalk, PreviousListing } from './previous-listing';
import { captureTree, loadParent, noParent } from './tree';

let root: string;
let src: string;
let repository: Repository;

describe('a backup with a previous listing', () => {
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-previous-'));
    repository = await Repository.init(new LocalDestination(path.join(root, 'repo')), passphraseSecret('previous listing test passphrase'));
    // More entries than one listing job takes (1,024), so the root's job goes without the previous lines and
    // its own files are compared on the main thread; small sibling subtrees, listed several to a job.
    src = path.join(root, 'store');
    await fs.mkdir(src);
    for (const name of ['a-top.txt', 'm-top.txt', 'z-top.txt']) await fs.writeFile(path.join(src, name), `top file ${name}`);
    for (let d = 0; d < 40; d++) {
      const dir = path.join(src, `day${String(d).padStart(2, '0')}`, 'post');
      await fs.mkdir(dir, { recursive: true });
      for (let f = 0; f < 30; f++) await fs.writeFile(path.join(dir, `f${f}`), `file ${d}/${f}`);
    }
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  async function lines(tree: TreeRoot): Promise<string[]> {
    const out: string[] = [];
    for await (const line of readBlobLines(repository, tree.tree)) if (line) out.push(line);
    return out;
  }

  async function capture(parent: Awaited<ReturnType<typeof loadParent>>, reporter: Reporter = silentReporter) {
    const stats = newWriteStats();
    const listings = { reused: 0 };
    const tree = await captureTree(repository, 'data', src, parent, stats, reporter, { listings, settledBefore: Date.now() + 1000 });
    await repository.flush();
    await repository.refreshIndex();
    return { tree, stats, listings };
  }

  /** A listing of these lines stored in the repository, as a root of a previous snapshot. */
  async function storedListing(from: TreeRoot, edit: (lines: string[]) => string[]): Promise<TreeRoot> {
    const text = edit(await lines(from)).map((line) => `${line}\n`).join('');
    const tree = await writeBlob(repository, Readable.from([Buffer.from(text)]), newWriteStats());
    await repository.flush();
    await repository.refreshIndex();
    return { ...from, tree };
  }

  test('an unchanged store larger than a job is not read again, and its listing is the same, top-level files included', async () => {
    const first = await capture(noParent());
    expect(first.tree.files).toBe(3 + 40 * 30);
    const again = await capture(loadParent(repository, first.tree));
    // The listing is the same text: stored as the same blob, so nothing at all went through the chunker.
    expect(again.stats.bytesRead).toBe(0);
    expect(again.tree.tree).toEqual(first.tree.tree);
    expect(again.listings.reused).toBe(first.tree.dirs);
  });

  test('a listing that is the previous one cut short, or the previous one and more, is stored as itself', async () => {
    const first = await capture(noParent());
    await fs.rm(path.join(src, 'z-top.txt'));
    const shorter = await capture(loadParent(repository, first.tree));
    expect(await lines(shorter.tree)).toEqual((await lines(first.tree)).slice(0, -1));
    await fs.writeFile(path.join(src, 'z-top.txt'), 'top file z-top.txt, written again');
    const longer = await capture(loadParent(repository, shorter.tree));
    expect(await lines(longer.tree)).toEqual(await lines((await capture(noParent())).tree));
    expect((await lines(longer.tree)).length).toBe((await lines(first.tree)).length);
  });

  test('changed files, top-level or deep, are read again, and only they', async () => {
    const first = await capture(noParent());
    await fs.writeFile(path.join(src, 'm-top.txt'), 'changed at the top');
    await fs.writeFile(path.join(src, 'day17/post/f3'), 'changed deep down');
    await fs.writeFile(path.join(src, 'b-new.txt'), 'new at the top');
    const again = await capture(loadParent(repository, first.tree));
    const changed = ['changed at the top', 'changed deep down', 'new at the top'].map((text) => Buffer.byteLength(text));
    expect(again.stats.bytesRead).toBe(changed.reduce((a, b) => a + b) + again.tree.tree.size);
    expect(await lines(again.tree)).toEqual(await lines((await capture(noParent())).tree));
  });

  test('a file whose chunks are no longer stored is read again, though its size, time and inode match', async () => {
    const first = await capture(noParent());
    const gone = '0'.repeat(64);
    const previous = await storedListing(first.tree, (all) =>
      all.map((line) => (line.includes('"p":"day05/post/f7"') || line.includes('"p":"z-top.txt"') ? line.replace(/"chunks":\[[^\]]*\]/, `"chunks":["${gone}"]`) : line)),
    );
    const again = await capture(loadParent(repository, previous));
    expect(again.stats.bytesRead).toBe(Buffer.byteLength('file 5/7') + Buffer.byteLength('top file z-top.txt') + again.tree.tree.size);
    expect(await lines(again.tree)).toEqual(await lines(first.tree));
  });

  test('a previous listing out of depth-first order is not trusted: the store is captured again as if new, with a warning', async () => {
    const first = await capture(noParent());
    // day03's line moved after its contents: its names cannot be cut out of the listing.
    const previous = await storedListing(first.tree, (all) => {
      const at = all.findIndex((line) => line.startsWith('{"p":"day03",'));
      const moved = [...all];
      const [line] = moved.splice(at, 1);
      moved.splice(at + 3, 0, line);
      return moved;
    });
    const warnings: string[] = [];
    const again = await capture(loadParent(repository, previous), { ...silentReporter, warn: (line) => void warnings.push(line) });
    expect(warnings).toEqual([expect.stringMatching(/previous listing .* out of order; every file in it is read again/)]);
    expect(again.listings.reused).toBe(0);
    expect(await lines(again.tree)).toEqual(await lines(first.tree));
  });

  test('a previous listing that cannot be read fails the capture', async () => {
    const first = await capture(noParent());
    const broken = { ...first.tree, tree: { ...first.tree.tree, sha256: 'f'.repeat(64) } };
    await expect(capture(loadParent(repository, broken))).rejects.toThrow(/SHA-256/);
  });
});

// About 5 MB of listing (long Mattermost-like paths): more than the chunker's 4 MiB maximum, so the blob
// is several chunks whatever the repository's seed, and the listing several pieces, released as the new
// listing passes them.
const long = 'x'.repeat(200);

/** 30 day directories of 200 files each under `root`/store. */
async function makeDayStore(root: string): Promise<string> {
  const store = path.join(root, 'store');
  for (let d = 0; d < 30; d++) {
    const dir = path.join(store, `2024${String(d + 10).padStart(4, '0')}`, 'teams', long, 'channels', long);
    await fs.mkdir(dir, { recursive: true });
    for (let f = 0; f < 200; f++) await fs.writeFile(path.join(dir, `${long}-${String(f).padStart(3, '0')}.txt`), `file ${d}/${f}`);
  }
  return store;
}

async function capture(parent: ReturnType<typeof loadParent>) {
  const stats = newWriteStats();
  const tree = await captureTree(repository, 'data', src, parent, stats, silentReporter, { settledBefore: Date.now() + 1000 });
  await repository.flush();
  await repository.refreshIndex();
  const out: string[] = [];
  for await (const line of readBlobLines(repository, tree.tree)) if (line) out.push(line);
  return { tree, stats, lines: out };
}

describe('a previous listing of several chunks', () => {
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-previous-large-'));
    repository = await Repository.init(new LocalDestination(path.join(root, 'repo')), passphraseSecret('previous listing test passphrase'));
    src = await makeDayStore(root);
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  test('pieces are released as the new listing passes them (here whatever the size); a change near the end reads the passed text again', async () => {
    const first = await capture(noParent());
    expect(first.tree.tree.size).toBeGreaterThan(DEFAULT_CHUNKER.maxSize);
    expect(first.tree.tree.chunks.length).toBeGreaterThan(1);
    const unchanged = PreviousListing.load(repository, first.tree, 0)!;
    const same = await capture(unchanged);
    expect(same.tree.tree).toEqual(first.tree.tree);
    expect(unchanged.releasedPieces).toBeGreaterThan(0);

    const lastDir = path.join(src, '20240039', 'teams', long, 'channels', long);
    await fs.writeFile(path.join(lastDir, `${long}-150.txt`), 'changed near the end');
    await fs.writeFile(path.join(lastDir, `${long}-zzz.txt`), 'new at the end');
    const parent = PreviousListing.load(repository, first.tree, 0)!;
    const again = await capture(parent);
    expect(parent.releasedPieces).toBeGreaterThan(0);
    expect(again.stats.bytesRead - again.tree.tree.size).toBe(Buffer.byteLength('changed near the end') + Buffer.byteLength('new at the end'));
    expect(again.lines).toEqual((await capture(noParent())).lines);
    expect(again.lines).toHaveLength(first.lines.length + 1);
    const small = loadParent(repository, again.tree)!; // under the size a backup releases at: kept whole
    await capture(small);
    expect(small.releasedPieces).toBe(0);
  });

  test('a listing that releases is read ahead only so far, unless something waits for more; a capture with it is the same', async () => {
    const first = await capture(noParent());
    const listing = PreviousListing.load(repository, first.tree, 0, 0)!;
    await listing.lineRanges().next(); // the first lines, taken as they come (not asking for more)
    await new Promise((resolve) => setTimeout(resolve, 200)); // time to read on, were it not held back
    expect(listing.peakHeldChars).toBeGreaterThan(0);
    expect(listing.peakHeldChars).toBeLessThan(first.tree.tree.size); // one chunk's lines, not all
    await listing.finished(); // asks for all
    expect(listing.peakHeldChars).toBeGreaterThanOrEqual(first.tree.tree.size);

    const bounded = PreviousListing.load(repository, first.tree, 0, 0)!;
    const same = await capture(bounded);
    expect(same.tree.tree).toEqual(first.tree.tree);
    expect(bounded.releasedPieces).toBeGreaterThan(0);
  });

  test('a listing whose blob is larger than what releases is read ahead only so far from its start', async () => {
    const first = await capture(noParent());
    const size = first.tree.tree.size;
    const listing = PreviousListing.load(repository, first.tree, size - 1, 0)!;
    await listing.lineRanges().next();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Deciding from the characters read, it read on until it passed size - 1 of them: all of it.
    expect(listing.peakHeldChars).toBeLessThan(size);
    await listing.finished();
    expect(listing.peakHeldChars).toBeGreaterThanOrEqual(size);
  });

  test('a job asked for ahead of the walk waits for the lines as they come; once the walk needs it, they are read', async () => {
    const first = await capture(noParent());
    const listing = PreviousListing.load(repository, first.tree, 0, 0)!;
    const last = '20240039'; // its lines end the listing, past the first chunk (at most 4 MiB of 5.3 MB)
    const dir = { rel: last, kind: 'd', mode: 0o40755, mtimeMs: 0, ctimeMs: 0, uid: 0, gid: 0, size: 0, ino: 0 } as const;
    let given = false;
    const job = listing.forDir(dir, 1024).then((part) => ((given = true), part));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(given).toBe(false);
    await listing.need(last, 1024);
    const part = await job;
    expect(part.shallow).toBeUndefined();
    expect(part.previous!.split('\n').filter(Boolean)).toHaveLength(205); // the subtree: 5 directories, 200 files
  });
});

test('walk order is by path component: a directory and its subtree before its next sibling, whatever the characters', () => {
  expect(afterInWalk('a-b', 'a/c')).toBe(true); // '-' sorts before '/', but 'a' is a name of its own before 'a-b'
  expect(afterInWalk('a/c', 'a-b')).toBe(false);
  expect(afterInWalk('a/c', 'a')).toBe(true);
  expect(afterInWalk('a', 'a')).toBe(false);
  expect(afterInWalk('20240010', '20240009/teams')).toBe(true);
});

describe('a previous listing of many small chunks', () => {
  // The same store in a repository whose chunks are at most 64 KiB: its listing is some 90 pieces, so what
  // is held at once is measured finely, whatever the seed (the store's repeated names cut rarely).
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-previous-small-'));
    repository = await Repository.init(new LocalDestination(path.join(root, 'repo')), passphraseSecret('previous listing test passphrase'));
    Object.assign(repository.config.chunker, { minSize: 16 * 1024, avgSize: 32 * 1024, maxSize: 64 * 1024 });
    src = await makeDayStore(root);
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  test('a top-level file before the large directories is compared as soon as the reading reaches it, not once all is read', async () => {
    const readme = path.join(src, '0-readme.txt');
    await fs.writeFile(readme, 'top-level, first in the walk');
    const first = await capture(noParent());
    const size = first.tree.tree.size;
    const stat = await fs.lstat(readme);
    const entry = { rel: '0-readme.txt', kind: 'f', mode: stat.mode, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, uid: stat.uid, gid: stat.gid, size: stat.size, ino: stat.ino } as const;
    const listing = PreviousListing.load(repository, first.tree, 0, 0)!;
    expect(await listing.unchangedFile(entry)).toBeDefined();
    expect(listing.peakHeldChars).toBeLessThan(size / 10); // its line is in the first chunk; the whole was held before
    expect(await listing.unchangedFile({ ...entry, rel: '00-gone.txt' })).toBeUndefined(); // sorts before it: known absent
    expect(listing.peakHeldChars).toBeLessThan(size / 10);

    const same = await capture(PreviousListing.load(repository, first.tree, 0, 0)!);
    expect(same.tree.tree).toEqual(first.tree.tree);
    expect(same.stats.bytesRead).toBe(0);
    await fs.writeFile(readme, 'top-level, changed');
    const changed = await capture(PreviousListing.load(repository, first.tree, 0, 0)!);
    expect(changed.stats.bytesRead - changed.tree.tree.size).toBe(Buffer.byteLength('top-level, changed'));
    expect(changed.lines).toEqual((await capture(noParent())).lines);
  });

  test('once the new listing differs near its start, what the walk passes is still released; top-level files are still compared', async () => {
    await fs.writeFile(path.join(src, '0-readme.txt'), 'top-level, first in the walk');
    await fs.writeFile(path.join(src, 'zz-last.txt'), 'top-level, last in the walk');
    const first = await capture(noParent());
    const size = first.tree.tree.size;
    // A retention policy deleting the oldest file: the listings part at the first day's directory.
    await fs.rm(path.join(src, '20240010', 'teams', long, 'channels', long, `${long}-000.txt`));
    const listing = PreviousListing.load(repository, first.tree, 0, 0)!;
    const after = await capture(listing);
    expect(listing.peakHeldChars).toBeLessThan(size / 3); // all of it before
    expect(after.stats.bytesRead).toBe(after.tree.tree.size); // the listing alone: every file found unchanged
    expect(after.lines).toEqual((await capture(noParent())).lines);
    expect(after.lines).toHaveLength(first.lines.length - 1);
  });

  test('a directory the previous listing does not have is known absent once the reading passes where it would be', async () => {
    const first = await capture(noParent());
    const size = first.tree.tree.size;
    await fs.mkdir(path.join(src, '20240009', 'teams'), { recursive: true }); // a new day, first in the walk
    await fs.writeFile(path.join(src, '20240009', 'teams', 'new.txt'), 'new');
    const listing = PreviousListing.load(repository, first.tree, 0, 0)!;
    const after = await capture(listing);
    expect(listing.peakHeldChars).toBeLessThan(size / 3); // all of it before: the walk waited for the new day's lines
    expect(after.stats.bytesRead - after.tree.tree.size).toBe(Buffer.byteLength('new'));
    expect(after.lines).toEqual((await capture(noParent())).lines);
  });

  test('a directory whose subtree is larger than a job goes without lines once that many are read: its subtree is not held', async () => {
    const month = path.join(src, '2024');
    await fs.mkdir(month);
    for (const day of await fs.readdir(src)) if (day !== '2024') await fs.rename(path.join(src, day), path.join(month, day));
    const first = await capture(noParent());
    const size = first.tree.tree.size;
    const ahead = PreviousListing.load(repository, first.tree, 0, 0)!;
    const dir = { rel: '2024', kind: 'd', mode: 0o40755, mtimeMs: 0, ctimeMs: 0, uid: 0, gid: 0, size: 0, ino: 0 } as const;
    const job = ahead.forDir(dir, 1024);
    await ahead.need('2024', 1024);
    expect(await job).toEqual({ unchecked: true, shallow: true, self: undefined });
    expect(ahead.peakHeldChars).toBeLessThan(size / 3); // its 6,151 lines: all of it before

    const listing = PreviousListing.load(repository, first.tree, 0, 0)!;
    const again = await capture(listing);
    expect(listing.peakHeldChars).toBeLessThan(size / 3);
    expect(again.stats.bytesRead).toBe(0); // every file found unchanged, and the listing the same blob
    expect(again.lines).toEqual(first.lines);
  });

  test('a slice of a large directory with more lines below it than names goes without lines once that many are read', async () => {
    const users = path.join(src, '0-users'); // first in the walk, as a store's users/ is among its top-level directories
    const names = Array.from({ length: 1100 }, (_, i) => `user${String(i).padStart(4, '0')}`);
    for (const name of names) {
      await fs.mkdir(path.join(users, name), { recursive: true });
      for (const file of ['profile.png', 'old-1.png', 'old-2.png']) await fs.writeFile(path.join(users, name, file), name);
    }
    const first = await capture(noParent());
    const size = first.tree.tree.size;
    const listing = PreviousListing.load(repository, first.tree, 0, 0)!;
    expect(await listing.forNames('0-users', names.slice(0, 1024), names.length)).toEqual({ unchecked: true });
    expect(listing.peakHeldChars).toBeLessThan(size / 8); // its 4,401 lines: a fifth of the listing, all of it before

    const again = await capture(PreviousListing.load(repository, first.tree, 0, 0)!);
    expect(again.stats.bytesRead).toBe(0); // every file found unchanged, and the listing the same blob
    expect(again.lines).toEqual(first.lines);
  });

  test('a slice of the names of a root too large for one job goes without lines, at once: its files are compared as they come', async () => {
    const first = await capture(noParent());
    const listing = PreviousListing.load(repository, first.tree, 0, 0)!;
    expect(await listing.forNames('', ['20240010', '20240011'], 30)).toEqual({ unchecked: true });
    expect(listing.peakHeldChars).toBeLessThan(first.tree.tree.size / 10);
  });
});

describe('comparing a new listing with the previous one as it comes', () => {
  // A depth-first listing with names of one, two and three UTF-8 bytes a character, so that chunks cut lines and characters.
  const names = ['a', 'é', 'ß-dir', '東京', 'z'];
  const listingLines: string[] = [];
  for (const dir of names) {
    listingLines.push(JSON.stringify({ p: dir, t: 'd', m: 493, mt: 1, u: 0, g: 0 }));
    for (const file of names) listingLines.push(JSON.stringify({ p: `${dir}/${file}.txt`, t: 'f', m: 420, mt: 2, s: 3, i: 4, b: { size: 3, sha256: 'x', chunks: [] } }));
  }
  const text = listingLines.map((line) => `${line}\n`).join('');
  const ref = { size: Buffer.byteLength(text), sha256: 'x', chunks: ['c1'] };

  /** Feeds `next` in pieces of `size` characters: the new listing as stored (the previous blob, or what is written). */
  async function compare(chunkBytes: number, next: string, size: number): Promise<{ same: boolean; stored: string }> {
    const previous = (await PreviousListing.of(listingLines, ref, chunkBytes))!;
    const pieces: string[] = [];
    for (let at = 0; at < next.length; at += size) pieces.push(next.slice(at, at + size));
    let k = 0;
    for (; k < pieces.length; k++) if (!(await previous.continues(pieces[k]))) break;
    if (k === pieces.length && (await previous.same())) return { same: true, stored: text };
    const matched: string[] = [];
    for await (const text of previous.matchedText()) matched.push(text);
    return { same: false, stored: [...matched, ...pieces.slice(k)].join('') };
  }

  test('pieces passed are released, and the passed text is read again when the new listing then differs', async () => {
    const previous = await PreviousListing.of(listingLines, ref, 16);
    const changed = text.replace('z/z.txt', 'z/Z.txt');
    const cut = changed.indexOf('z/Z.txt');
    expect(await previous.continues(changed.slice(0, cut))).toBe(true);
    expect(previous.releasedPieces).toBeGreaterThan(10);
    expect(await previous.continues(changed.slice(cut))).toBe(false);
    const matched: string[] = [];
    for await (const piece of previous.matchedText()) matched.push(piece);
    expect(matched.join('')).toBe(text.slice(0, cut));
  });

  const variants: [string, string][] = [
    ['the same', text],
    ['changed in the middle', text.replace('東京/ß-dir.txt', '東京/ß-dir.TXT')],
    ['cut short', text.slice(0, text.lastIndexOf('{'))],
    ['longer', `${text}${JSON.stringify({ p: 'zz', t: 'l', l: 'a', u: 0, g: 0 })}\n`],
    ['empty', ''],
  ];
  for (const chunkBytes of [1, 7, 64, 1000, Infinity]) {
    for (const [what, next] of variants) {
      test(`${what}, previous read in chunks of ${chunkBytes} bytes`, async () => {
        for (const size of [1, 13, 100, 100_000]) {
          const { same, stored } = await compare(chunkBytes, next, size);
          expect({ size, same, stored }).toEqual({ size, same: next === text, stored: next });
        }
      });
    }
  }
});
