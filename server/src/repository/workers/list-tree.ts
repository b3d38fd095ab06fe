/**
 * A walk's listing, synchronous, for the workers: readdir and lstat are one syscall each, about 20 µs on a
 * warm cache, and a file store has tens of thousands of them. On a worker they cost the main thread nothing,
 * and two workers walking two subtrees keep two requests in flight on a cold disk.
 *
 * A directory an earlier walk saw settled, whose ctime and inode are unchanged, is not read again: its names
 * are taken from that walk (KnownDir in ./jobs.ts). Only its entries are lstat'ed, as every entry must be to
 * find changed files; a file store is mostly directories (Mattermost's teams/channels/users/posts layout),
 * so this saves the open, reads and close of nearly every directory of an unchanged store.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { KnownDir, TreeListing, WalkedEntry } from './jobs';
import { decodeKnownDirs } from './known-dirs';

/** Whether what an earlier walk saw of the directory `entry` still gives its names. */
export function stillKnown(known: KnownDir | undefined, entry: WalkedEntry): known is KnownDir & { names: string } {
  return known?.names !== undefined && known.ctimeMs === entry.ctimeMs && known.ino === entry.ino && entry.kind === 'd';
}

/** The names in a directory, sorted (the order of every tree listing ever written), from a still valid `known`. */
function sortedNames(root: string, rel: string, known: KnownDir | undefined): string[] {
  if (known?.names !== undefined) return known.names === '' ? [] : known.names.split('/');
  return readdirSync(rel ? path.join(root, rel) : root).sort();
}

/** The entries `names` of the directory root/rel, in that order, each with its lstat. */
export function statNames(root: string, rel: string, names: string[]): WalkedEntry[] {
  return names.map((name) => {
    const childRel = rel ? `${rel}/${name}` : name;
    const full = path.join(root, childRel);
    const stat = lstatSync(full);
    const kind = stat.isDirectory() ? 'd' : stat.isFile() ? 'f' : stat.isSymbolicLink() ? 'l' : 'o';
    const entry: WalkedEntry = { rel: childRel, kind, mode: stat.mode, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, uid: stat.uid, gid: stat.gid, size: stat.size, ino: stat.ino };
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
 *
 * `known` holds what an earlier walk saw of directories in the subtree (./known-dirs.ts); root/rel's own
 * record only if the caller found it still valid.
 */
export function listTree(root: string, rel: string, limit: number, known = ''): TreeListing {
  const byRel = decodeKnownDirs(known);
  const own = byRel.get(rel);
  const ownReused = own?.names !== undefined ? 1 : 0;
  const names = sortedNames(root, rel, own);
  if (names.length > limit) return { entries: [], partial: true, names, reused: ownReused };
  const ownEntries = statNames(root, rel, names);
  const entries: WalkedEntry[] = [];
  let count = ownEntries.length;
  let reused = ownReused;
  const descend = (list: WalkedEntry[]): boolean => {
    for (const entry of list) {
      entries.push(entry);
      if (entry.kind !== 'd') continue;
      const dir = byRel.get(entry.rel);
      const still = stillKnown(dir, entry);
      if (still) reused++;
      const childNames = sortedNames(root, entry.rel, still ? dir : undefined);
      count += childNames.length;
      if (count > limit) return false;
      if (!descend(statNames(root, entry.rel, childNames))) return false;
    }
    return true;
  };
  return descend(ownEntries) ? { entries, partial: false, reused } : { entries: ownEntries, partial: true, reused: ownReused };
}
