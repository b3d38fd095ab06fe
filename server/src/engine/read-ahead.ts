/**
 * Reads every directory listing and inode under a root in parallel, keeping nothing: the ordered walk of
 * ./tree.ts that follows then finds them in the kernel's cache. That walk reads one entry at a time, which
 * on a cold cache waits for the disk once per entry; parallel reads let the disk serve many at once.
 * Measured on a Mattermost-shaped store of 38,000 entries (9,600 files): cold, 1.1 s here + 0.2 s walk
 * instead of a 2.9 s walk; warm, it adds 0.3 s.
 */
import type { Dirent } from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Directories read at once; the thread pool runs four of the calls at a time, the disk queue the rest. */
const PARALLEL_DIRECTORIES = 16;
/** Files of one directory lstat'ed at once, so a huge flat directory does not queue all of them. */
const FILES_AT_ONCE = 32;

/** Resolves when everything under `root` was read (errors are the walk's to report: ignored here). */
export async function readMetadataAhead(root: string, signal?: AbortSignal): Promise<void> {
  const pending = [root];
  let active = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      if (signal?.aborted || (active === 0 && pending.length === 0)) {
        if (active === 0) resolve();
        return;
      }
      while (active < PARALLEL_DIRECTORIES && pending.length > 0) {
        active++;
        void readDirectory(pending.pop()!, pending, pump).finally(() => {
          active--;
          pump();
        });
      }
    };
    pump();
  });
}

async function readDirectory(dir: string, pending: string[], discovered: () => void): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) pending.push(full);
    else files.push(full);
  }
  discovered(); // start on the subdirectories while this one's files are read
  for (let i = 0; i < files.length; i += FILES_AT_ONCE) {
    await Promise.all(files.slice(i, i + FILES_AT_ONCE).map((file) => fs.lstat(file).catch(() => undefined)));
  }
}
