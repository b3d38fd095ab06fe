/**
 * The prefetch of a cold re-backup: it reads every path of the previous listing once, as the listing comes
 * in pieces, only when the sample says the cache is cold, stops when told, and never fails the backup.
 * (Whether a cache is cold is the kernel's business: the threshold is set to always or never here.)
 */
import { lstat } from 'node:fs/promises';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prefetchIfCold } from './cold-prefetch';
import { PreviousListing } from './previous-listing';

let root: string;
let paths: string[];

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-prefetch-'));
  paths = [''];
  for (let d = 0; d < 30; d++) {
    const dir = `day${String(d).padStart(2, '0')}`;
    await fs.mkdir(path.join(root, dir));
    paths.push(dir);
    for (let f = 0; f < 40; f++) {
      await fs.writeFile(path.join(root, dir, `f${f}`), 'x');
      paths.push(`${dir}/f${f}`);
    }
  }
  paths.push('day29/gone-since-the-last-backup');
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

/** The previous listing of those paths, read in pieces of 4 KiB (dozens of them). */
function listing(): Promise<PreviousListing> {
  return PreviousListing.of(paths.map((p) => JSON.stringify({ p, t: p.includes('/') ? 'f' : 'd' })), undefined, 4096);
}

function recording(seen: string[], after?: (count: number) => void) {
  return async (full: string) => {
    seen.push(path.relative(root, full));
    after?.(seen.length);
    return lstat(full);
  };
}

test('on a cold cache, every path of the previous listing is read once, a missing one too', async () => {
  const seen: string[] = [];
  const prefetch = prefetchIfCold(root, await listing(), { coldMs: -1, lstat: recording(seen) });
  expect(await prefetch.cold).toBe(true);
  expect(seen.sort()).toEqual([...paths].sort());
});

test('on a warm cache, nothing but the sample is read', async () => {
  const seen: string[] = [];
  const prefetch = prefetchIfCold(root, await listing(), { coldMs: Infinity, lstat: recording(seen) });
  expect(await prefetch.cold).toBe(false);
  expect(seen).toEqual([]);
});

test('stop() ends the prefetch; a root that is gone fails nothing', async () => {
  const seen: string[] = [];
  let prefetch: ReturnType<typeof prefetchIfCold> | undefined;
  prefetch = prefetchIfCold(root, await listing(), { coldMs: -1, lstat: recording(seen, (count) => count === 50 && prefetch?.stop()) });
  expect(await prefetch.cold).toBe(true);
  expect(seen.length).toBeLessThan(50 + 32); // each slice ends the path it was reading
  const gone = prefetchIfCold(path.join(root, 'no-such-dir'), await listing(), { coldMs: -1, lstat: (full) => lstat(full) });
  expect(await gone.cold).toBe(false); // no sample could be taken
});
