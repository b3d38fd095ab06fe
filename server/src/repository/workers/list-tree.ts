/**
 * A walk's listing, synchronous, for the workers: readdir and lstat are one syscall each, about 20 µs on a
 * warm cache, and a file store has tens of thousands of them. On a worker they cost the main thread nothing,
 * and two workers walking two subtrees keep two requests in flight on a cold disk.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { TreeListing, WalkedEntry } from './jobs';

/** The names in a directory, sorted (the order of every tree listing ever written). */
function sortedNames(root: string, rel: string): string[] {
  return readdirSync(rel ? path.join(root, rel) : root).sort();
}

/** The entries `names` of the directory root/rel, in that order, each with its lstat. */
export function statNames(root: string, rel: string, names: string[]): WalkedEntry[] {
  return names.map((name) => {
    const childRel = rel ? `${rel}/${name}` : name;
    const full = path.join(root, childRel);
    const stat = lstatSync(full);
    const kind = stat.isDirectory() ? 'd' : stat.isFile() ? 'f' : stat.isSymbolicLink() ? 'l' : 'o';
    const entry: WalkedEntry = { rel: childRel, kind, mode: stat.mode, mtimeMs: stat.mtimeMs, uid: stat.uid, gid: stat.gid, size: stat.size, ino: stat.ino };
    if (kind === 'l') entry.link = readlinkSync(full);
    return entry;
  });
}

/**
 * Everything under root/rel in depth-first order (each directory followed by its subtree), or, once that
 * passes `limit` entries, the directory's own entries with `partial` set. The work spent before giving up
 * is not lost: it left the subtree's metadata in the kernel's cache for the jobs that follow. A directory
 * of more than `limit` entries comes back as its sorted names only: its metadata is asked for in slices,
 * so no message (and no array on either thread) holds a huge directory's metadata whole.
 */
export function listTree(root: string, rel: string, limit: number): TreeListing {
  const names = sortedNames(root, rel);
  if (names.length > limit) return { entries: [], partial: true, names };
  const own = statNames(root, rel, names);
  const entries: WalkedEntry[] = [];
  let count = own.length;
  const descend = (list: WalkedEntry[]): boolean => {
    for (const entry of list) {
      entries.push(entry);
      if (entry.kind !== 'd') continue;
      const childNames = sortedNames(root, entry.rel);
      count += childNames.length;
      if (count > limit) return false;
      if (!descend(statNames(root, entry.rel, childNames))) return false;
    }
    return true;
  };
  return descend(own) ? { entries, partial: false } : { entries: own, partial: true };
}
