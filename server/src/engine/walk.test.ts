/**
 * The walk lists on the workers, splitting large subtrees into jobs of their own: whatever the split, it
 * yields exactly what a plain sorted depth-first walk sees, in the same order.
 */
import { lstatSync, promises as fs, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KnownDirs, walkTree, type KnownDir } from './walk';

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
    batchSizes.push(batch.length);
    for (const e of batch) {
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
    for await (const batch of walkTree(root, { limit })) for (const e of batch) walked.push(`${e.rel} ${e.kind} ${e.mode} ${e.size} ${e.mtimeMs} ${e.ino}`);
    expect({ limit, walked }).toEqual({ limit, walked: expected });
  }
});

test('a directory an earlier walk knew is not read again while its ctime and inode are the same', async () => {
  const known = (rel: string, names: string[], ctimeMs = lstatSync(path.join(root, rel)).ctimeMs): KnownDir => ({ rel, ctimeMs, ino: lstatSync(path.join(root, rel)).ino, names: names.join('/') });
  // Names that differ from the directory's show where they were used: 'deep' is empty to the walk, and in
  // day05/sub only one file is left. The names kept for 'wide' are stale: its ctime is not the one it has.
  const dirs = new KnownDirs();
  for (const dir of [known('day05', ['sub'], 1), known('day05/sub', ['file 1.jpg']), known('deep', []), known('wide', ['f0'], 1)]) dirs.add(dir);
  const expected = plainWalk(root).filter((line) => !line.startsWith('deep/') && (!line.startsWith('day05/sub/') || line.startsWith('day05/sub/file 1.jpg ')));
  for (const limit of [1, 3, 50, 1100, 100_000]) {
    const listings = { reused: 0 };
    const walked: string[] = [];
    for await (const batch of walkTree(root, { known: Promise.resolve(dirs), limit, listings })) for (const e of batch) walked.push(`${e.rel} ${e.kind} ${e.mode} ${e.size} ${e.mtimeMs} ${e.ino}`);
    expect({ limit, walked, reused: listings.reused }).toEqual({ limit, walked: expected, reused: 2 });
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
    expect(first.value[0].rel).toBe('d0');
    await fs.rm(path.join(scratch, 'd39'), { recursive: true });
    await expect((async () => {
      for await (const _ of walk);
    })()).rejects.toMatchObject({ code: 'ENOENT' });
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
});
