/**
 * A walk's listing, synchronous, for the workers: readdir and lstat are one syscall each, about 20 µs on a
 * warm cache, and a file store has tens of thousands of them. On a worker they cost the main thread nothing,
 * and two workers walking two subtrees keep two requests in flight on a cold disk.
 *
 * For a backup (ListingContext in ./jobs.ts), the job is given the previous listing's lines for its
 * subtree. A directory the previous backup saw settled, whose ctime and inode are unchanged, is not read
 * again: its names are taken from those lines. Only its entries are lstat'ed, as every entry must be to
 * find changed files; a file store is mostly directories (Mattermost's teams/channels/users/posts layout),
 * so this saves the open, reads and close of nearly every directory of an unchanged store. The answer is
 * the backup's own listing lines, with only the files to read (and a partial answer's subdirectories) as
 * entries: an unchanged store's walk costs the main thread a string per job, not an object per entry.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { dirEntry, linkEntry, treeLine, unchangedFile } from '../tree-entry';
import type { ListedCounts, ListingContext, TreeListing, WalkedEntry } from './jobs';
import { namesIfUnchanged, parsePrevious, type PreviousLines } from './previous-lines';

/** The names in a directory, sorted (the order of every tree listing ever written), unless already known. */
function sortedNames(root: string, rel: string, known: string[] | undefined): string[] {
  return known ?? readdirSync(rel ? path.join(root, rel) : root).sort();
}

/** The entry `name` of root/rel; `base` is the root with a trailing '/' (a join per entry costs a sixth of a walk). */
function walked(base: string, rel: string, name: string): WalkedEntry {
  const childRel = rel ? `${rel}/${name}` : name;
  const full = base + childRel;
  const stat = lstatSync(full);
  const kind = stat.isDirectory() ? 'd' : stat.isFile() ? 'f' : stat.isSymbolicLink() ? 'l' : 'o';
  const entry: WalkedEntry = { rel: childRel, kind, mode: stat.mode, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, uid: stat.uid, gid: stat.gid, size: stat.size, ino: stat.ino };
  if (kind === 'l') entry.link = readlinkSync(full);
  return entry;
}

function withSlash(root: string): string {
  const resolved = path.resolve(root);
  return resolved.endsWith('/') ? resolved : `${resolved}/`;
}

/** The entries `names` of the directory root/rel, in that order, each with its lstat; for a backup, as lines. */
export function statNames(root: string, rel: string, names: string[], backup?: ListingContext): TreeListing {
  const base = withSlash(root);
  const entries = names.map((name) => walked(base, rel, name));
  if (!backup) return { entries, partial: true, reused: 0 };
  return asLines(entries, true, backup, backup.previous === undefined ? undefined : parsePrevious(backup.previous, rel, false), 0);
}

/**
 * Everything under root/rel in depth-first order (each directory followed by its subtree), or, once that
 * passes `limit` entries (or at once when the previous listing's lines are `shallow`), the directory's own
 * entries with `partial` set. The work spent before giving up is not lost: it left the subtree's metadata
 * in the kernel's cache for the jobs that follow. A directory of more than `limit` entries comes back as
 * its sorted names only: its metadata is asked for in slices, so no message (and no array on either
 * thread) holds a huge directory's metadata whole.
 */
export function listTree(root: string, rel: string, limit: number, backup?: ListingContext): TreeListing {
  const previous = backup?.previous === undefined ? undefined : parsePrevious(backup.previous, rel, !backup.shallow);
  const own = namesIfUnchanged(previous, rel, backup?.self);
  const ownReused = own ? 1 : 0;
  const names = sortedNames(root, rel, own);
  if (names.length > limit) return { entries: [], partial: true, names, reused: ownReused };
  const base = withSlash(root);
  const ownEntries = names.map((name) => walked(base, rel, name));
  const finish = (entries: WalkedEntry[], partial: boolean, reused: number): TreeListing =>
    backup ? asLines(entries, partial, backup, previous, reused) : { entries, partial, reused };
  if (backup?.shallow) return finish(ownEntries, true, ownReused);
  const entries: WalkedEntry[] = [];
  let count = ownEntries.length;
  let reused = ownReused;
  const descend = (list: WalkedEntry[]): boolean => {
    for (const entry of list) {
      entries.push(entry);
      if (entry.kind !== 'd') continue;
      if (backup) entry.line = treeLine(dirEntry(entry, backup.settledBefore));
      const known = namesIfUnchanged(previous, entry.rel, entry.line);
      if (known) reused++;
      const childNames = sortedNames(root, entry.rel, known);
      count += childNames.length;
      if (count > limit) return false;
      if (!descend(childNames.map((name) => walked(base, entry.rel, name)))) return false;
    }
    return true;
  };
  return descend(ownEntries) ? finish(entries, false, reused) : finish(ownEntries, true, ownReused);
}

/**
 * A backup's answer: each entry's listing line, where it is known here, and as entries only the files to
 * read, and in a `partial` answer the subdirectories, each with the lines before it as its `lead`.
 */
function asLines(entries: WalkedEntry[], partial: boolean, backup: ListingContext, previous: PreviousLines | undefined, reused: number): TreeListing {
  const counts: ListedCounts = { files: 0, dirs: 0, bytes: 0, reusedBytes: 0, chunksReused: 0, skipped: [] };
  const answer: WalkedEntry[] = [];
  let lines = '';
  const give = (entry: WalkedEntry) => {
    if (lines) entry.lead = lines;
    lines = '';
    answer.push(entry);
  };
  for (const entry of entries) {
    switch (entry.kind) {
      case 'd': {
        counts.dirs++;
        const line = entry.line ?? treeLine(dirEntry(entry, backup.settledBefore));
        if (!partial) {
          lines += line;
          break;
        }
        entry.line = line;
        give(entry);
        break;
      }
      case 'l':
        lines += treeLine(linkEntry(entry));
        break;
      case 'f': {
        counts.files++;
        counts.bytes += entry.size;
        const line = unchangedFile(entry, previous?.lines.get(entry.rel));
        if (!line) {
          if (backup.unchecked) entry.unchecked = true;
          give(entry);
          break;
        }
        counts.reusedBytes += entry.size;
        counts.chunksReused += line.chunks;
        lines += line.text;
        break;
      }
      default:
        counts.skipped.push(entry.rel);
    }
  }
  return { entries: answer, partial, reused, tail: lines || undefined, counts };
}

