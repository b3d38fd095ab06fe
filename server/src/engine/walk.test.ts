/**
 * The walk lists on the workers, splitting large subtrees into jobs of their own: whatever the split, it
 * yields exactly what a plain sorted depth-first walk sees, in the same order.
 */
import { lstatSync, promises as fs, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PreviousListing } from './previous-listing';
import { dirEntry, fileEntry } from '../repository/tree-entry';
import { walkTree, type WalkBatch, type WalkedEntry } from './walk';

let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-walk-'));
  // A wide directory (splits the root and itself), a deep chain, small subtrees (one job each), a symlink.
  await fs.mkdir(path.join(root, 'wide'));
  for (let i = 0; i < 1100; i++) await fs.writeFile(path.join(root, 'wide', `f${i}`), 'x'.repeat(i % 7));
  await fs.mkdir(path.join(root, 'deep/a/b/c/d/e'), { recursive: true });
  await fs.writeFile(path.join(root, 'deep/a/b/c/d/e/leaf'), 'leaf');
  for (let d = 0; d < 30; d++) {
    await fs.mkdir(path.join(root, `day${String(d).padStart(2, '0')}`, 'sub'), { recursive: true });
    for (let f = 0; f < 5; f++) await fs.writeFile(path.join(root, `day${String(d).padStart(2, '0')}`, 'sub', `file ${f}.jpg`), `${d}-${f}`);
  }
  await fs.symlink('deep/a', path.join(root, 'link'));
  await fs.chmod(path.join(root, 'deep/a/b'), 0o750);
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

function plainWalk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const childRel = rel ? `${rel}/${name}` : name;
    const stat = lstatSync(path.join(dir, childRel));
    const kind = stat.isDirectory() ? 'd' : stat.isFile() ? 'f' : 'l';
    out.push(`${childRel} ${kind} ${stat.mode} ${stat.size} ${stat.mtimeMs} ${stat.ino}`);
    if (stat.isDirectory()) out.push(...plainWalk(dir, childRel));
  }
  return out;
}

test('yields every entry with its lstat, in sorted depth-first order, across split subtrees', async () => {
  const walked: string[] = [];
  const links: Record<string, string | undefined> = {};
  const batchSizes: number[] = [];
  for await (const batch of walkTree(root)) {
    batchSizes.push(batch.entries.length);
    for (const e of batch.entries) {
      walked.push(`${e.rel} ${e.kind} ${e.mode} ${e.size} ${e.mtimeMs} ${e.ino}`);
      if (e.kind === 'l') links[e.rel] = e.link;
    }
  }
  expect(walked.length).toBeGreaterThan(1024 + 100); // more than one job's worth: the walk was split
  expect(Math.min(...batchSizes)).toBeGreaterThan(0);
  expect(Math.max(...batchSizes)).toBeGreaterThan(1); // batches, not an entry at a time
  expect(walked).toEqual(plainWalk(root));
  expect(links).toEqual({ link: 'deep/a' });
});

test('whatever the job size, the walk is the same: large directories in slices, subtrees split or whole', async () => {
  const expected = plainWalk(root);
  for (const limit of [1, 3, 50, 1100, 100_000]) {
    const walked: string[] = [];
    for await (const batch of walkTree(root, { limit })) for (const e of batch.entries) walked.push(`${e.rel} ${e.kind} ${e.mode} ${e.size} ${e.mtimeMs} ${e.ino}`);
    expect({ limit, walked }).toEqual({ limit, walked: expected });
  }
});

/** The paths of a backup's walk in order: those of its listing lines, and each file to read where it goes. */
async function backupPaths(walk: AsyncIterable<WalkBatch>): Promise<string[]> {
  const paths: string[] = [];
  const lines = (text = '') => {
    for (const line of text.split('\n')) if (line) paths.push(JSON.parse(line).p);
  };
  for await (const batch of walk) {
    for (const e of batch.entries) {
      lines(e.lead);
      if (e.kind === 'f') paths.push(e.rel);
      else lines(e.line);
    }
    lines(batch.tail);
  }
  return paths;
}

test('a backup walk takes the names of a directory from the previous listing while its ctime and inode are the same', async () => {
  const settledBefore = Date.now();
  const walked = (rel: string): WalkedEntry => {
    const stat = lstatSync(path.join(root, rel));
    return { rel, kind: stat.isDirectory() ? 'd' : 'f', mode: stat.mode, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, uid: stat.uid, gid: stat.gid, size: stat.size, ino: stat.ino };
  };
  const dir = (rel: string, ctimeMs?: number) => JSON.stringify(dirEntry({ ...walked(rel), ...(ctimeMs === undefined ? {} : { ctimeMs }) }, settledBefore));
  const file = (rel: string) => JSON.stringify(fileEntry(walked(rel), { size: walked(rel).size, sha256: 'x', chunks: [] }));
  // Names that differ from the directory's show where they were used: 'deep' is empty to the walk, and in
  // day05/sub only one file is left. The names kept for 'day05' and 'wide' are stale: their ctime is not the one they have.
  const previous = PreviousListing.of([dir('day05', 1), dir('day05/sub'), file('day05/sub/file 1.jpg'), dir('deep'), dir('wide', 1), file('wide/f0')]);
  const plain = plainWalk(root).map((line) => ({ rel: line.split(' ').slice(0, -5).join(' '), kind: line.split(' ').at(-5) }));
  const kept = plain.filter(({ rel }) => !rel.startsWith('deep/') && (!rel.startsWith('day05/sub/') || rel === 'day05/sub/file 1.jpg'));
  const want = kept.map(({ rel }) => rel);
  const toRead = kept.filter(({ rel, kind }) => kind === 'f' && rel !== 'day05/sub/file 1.jpg' && rel !== 'wide/f0').map(({ rel }) => rel);
  for (const limit of [1, 3, 50, 1100, 100_000]) {
    const listings = { reused: 0 };
    const reads: string[] = [];
    const walk = walkTree(root, { limit, listings, backup: { settledBefore, previous } });
    const paths = await backupPaths((async function* () {
      for await (const batch of walk) {
        for (const e of batch.entries) if (e.kind === 'f') reads.push(e.rel);
        yield batch;
      }
    })());
    expect({ limit, paths, reused: listings.reused }).toEqual({ limit, paths: want, reused: 2 });
    // Every file is read but those the previous listing has unchanged.
    expect(reads).toEqual(toRead);
  }
});

test('a root that does not exist fails the walk with the file-system error', async () => {
  const walk = walkTree(path.join(root, 'missing'));
  await expect(walk.next()).rejects.toMatchObject({ code: 'ENOENT' });
});

test('a directory removed while the walk runs fails it rather than being skipped silently', async () => {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-walk-gone-'));
  for (let d = 0; d < 40; d++) {
    await fs.mkdir(path.join(scratch, `d${d}`));
    for (let f = 0; f < 40; f++) await fs.writeFile(path.join(scratch, `d${d}`, `f${f}`), '');
  }
  const walk = walkTree(scratch);
  try {
    const first = await walk.next(); // the root's own listing (split: 1,640 entries)
    expect(first.value.entries[0].rel).toBe('d0');
    await fs.rm(path.join(scratch, 'd39'), { recursive: true });
    await expect((async () => {
      for await (const _ of walk);
    })()).rejects.toMatchObject({ code: 'ENOENT' });
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
});
