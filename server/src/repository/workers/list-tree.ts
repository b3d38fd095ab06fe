/**
 * A walk's listing, synchronous, for the workers: readdir and lstat are one syscall each, about 20 µs on a
 * warm cache, and a file store has tens of thousands of them. On a worker they cost the main thread nothing,
 * and two workers walking two subtrees keep two requests in flight on a cold disk.
 *
 * Reading a directory is four syscalls (open, two getdents, close), and a Mattermost file store has about
 * three directories per file. A directory the previous listing knows is not read again when it is
 * unchanged: on the same file system, same inode, same mtime and same ctime. The kernel sets a directory's
 * mtime and ctime whenever an entry is added, removed or renamed in it, and no program can set a ctime, so
 * a directory restored from elsewhere or touched back to an old mtime is read. A change in the same clock
 * tick as the previous walk's lstat would keep the ctime, so only a ctime older than `trustBefore` (the
 * previous backup's start, less a margin) is trusted. Every entry is still lstat'ed: a file changed in
 * place changes its own metadata, not its directory's.
 */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { KnownDirectories, TreeListing, WalkedEntry } from './jobs';

/** The names in a directory, sorted (the order of every tree listing ever written). */
function sortedNames(root: string, rel: string): string[] {
  return readdirSync(rel ? path.join(root, rel) : root).sort();
}

/** The names of directory `rel` as the previous listing has them, when its lstat shows it unchanged. */
function knownNames(rel: string, stat: Stats, known: KnownDirectories): string[] | undefined {
  const previous = known.dirs[rel];
  if (!previous || stat.dev !== known.dev || stat.ctimeMs >= known.trustBefore) return undefined;
  return stat.ino === previous.ino && stat.mtimeMs === previous.mtimeMs && stat.ctimeMs === previous.ctimeMs ? previous.names : undefined;
}

/**
 * The entries `names` of the directory root/rel, in that order, each with its lstat. With `known`, each
 * unchanged directory among them gets its names into `unchanged`.
 */
export function statNames(root: string, rel: string, names: string[], known?: KnownDirectories, unchanged?: Map<string, string[]>): WalkedEntry[] {
  return names.map((name) => {
    const childRel = rel ? `${rel}/${name}` : name;
    const full = path.join(root, childRel);
    const stat = lstatSync(full);
    const kind = stat.isDirectory() ? 'd' : stat.isFile() ? 'f' : stat.isSymbolicLink() ? 'l' : 'o';
    const entry: WalkedEntry = { rel: childRel, kind, mode: stat.mode, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, uid: stat.uid, gid: stat.gid, size: stat.size, ino: stat.ino };
    if (kind === 'l') entry.link = readlinkSync(full);
    if (kind === 'd' && known && unchanged) {
      const same = knownNames(childRel, stat, known);
      if (same) unchanged.set(childRel, same);
    }
    return entry;
  });
}

/**
 * Everything under root/rel in depth-first order (each directory followed by its subtree), or, once that
 * passes `limit` entries, the directory's own entries with `partial` set. The work spent before giving up
 * is not lost: it left the subtree's metadata in the kernel's cache for the jobs that follow. A directory
 * of more than `limit` entries comes back as its sorted names only: its metadata is asked for in slices,
 * so no message (and no array on either thread) holds a huge directory's metadata whole. root/rel itself
 * is always read; directories under it that `known` shows unchanged are not.
 */
export function listTree(root: string, rel: string, limit: number, known?: KnownDirectories): TreeListing {
  const names = sortedNames(root, rel);
  if (names.length > limit) return { entries: [], partial: true, names };
  const unchanged = new Map<string, string[]>();
  const own = statNames(root, rel, names, known, unchanged);
  const entries: WalkedEntry[] = [];
  let count = own.length;
  const descend = (list: WalkedEntry[]): boolean => {
    for (const entry of list) {
      entries.push(entry);
      if (entry.kind !== 'd') continue;
      const childNames = unchanged.get(entry.rel) ?? sortedNames(root, entry.rel);
      count += childNames.length;
      if (count > limit) return false;
      if (!descend(statNames(root, entry.rel, childNames, known, unchanged))) return false;
    }
    return true;
  };
  return descend(own) ? { entries, partial: false } : { entries: own, partial: true };
}
