/**
 * A directory the previous listing knows is not read again when its lstat shows it unchanged: proven by a
 * known entry whose names leave some out (the walk then lists only those it was given). Anything that
 * changed the directory, or a ctime too recent to trust, and it is read.
 */
import { lstatSync, promises as fs, renameSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KnownDirectories } from './jobs';
import { listTree } from './list-tree';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-list-tree-'));
  mkdirSync(path.join(root, 'a/sub'), { recursive: true });
  for (const name of ['a/x', 'a/y', 'a/sub/w', 'top']) writeFileSync(path.join(root, name), name);
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

/** What the previous listing would say of `a`, with only `names` listed: a walk that trusts it lists only those. */
function knownA(names: string[], trustBefore = Date.now() + 60_000, dev = lstatSync(root).dev): KnownDirectories {
  const stat = lstatSync(path.join(root, 'a'));
  return { dev, trustBefore, dirs: { a: { ino: stat.ino, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, names } } };
}

const listed = (known?: KnownDirectories) => listTree(root, '', 1000, known).entries.map((e) => e.rel);
const everything = ['a', 'a/sub', 'a/sub/w', 'a/x', 'a/y', 'top'];

test('an unchanged directory is not read: its names come from the previous listing, each still lstat\'ed', () => {
  expect(listed()).toEqual(everything);
  const walked = listTree(root, '', 1000, knownA(['x'])).entries;
  expect(walked.map((e) => e.rel)).toEqual(['a', 'a/x', 'top']);
  expect(walked[1]).toMatchObject({ kind: 'f', size: 3, ino: lstatSync(path.join(root, 'a/x')).ino });
});

test('a ctime not older than trustBefore is read: a change in the same clock tick as the last walk is not missed', () => {
  const ctime = lstatSync(path.join(root, 'a')).ctimeMs;
  expect(listed(knownA(['x'], ctime))).toEqual(everything);
  expect(listed(knownA(['x'], ctime + 1))).toEqual(['a', 'a/x', 'top']);
});

test('an entry added is seen, even with the mtime set back to what was listed (the ctime moved)', async () => {
  utimesSync(path.join(root, 'a'), 1_700_000_000, 1_700_000_000); // a time utimes can set back exactly
  const known = knownA(['sub', 'x', 'y']);
  await new Promise((resolve) => setTimeout(resolve, 20)); // past the file system's clock tick
  writeFileSync(path.join(root, 'a/new'), 'new');
  utimesSync(path.join(root, 'a'), 1_700_000_000, 1_700_000_000);
  expect(lstatSync(path.join(root, 'a')).mtimeMs).toBe(known.dirs.a.mtimeMs);
  expect(listed(known)).toEqual(['a', 'a/new', 'a/sub', 'a/sub/w', 'a/x', 'a/y', 'top']);
});

test('a directory replaced by another (new inode), or on another file system, is read', async () => {
  expect(listed(knownA(['x'], undefined, lstatSync(root).dev + 1))).toEqual(everything);
  const known = knownA(['x']);
  renameSync(path.join(root, 'a'), path.join(root, 'old'));
  mkdirSync(path.join(root, 'a'));
  writeFileSync(path.join(root, 'a/z'), 'z');
  expect(listed(known)).toEqual(['a', 'a/z', 'old', 'old/sub', 'old/sub/w', 'old/x', 'old/y', 'top']);
});
