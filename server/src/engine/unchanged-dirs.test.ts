/**
 * A backup takes the names of a directory whose ctime and inode have not moved from the previous listing,
 * instead of reading the directory again: whatever changed in the store, the listing it writes is the one
 * a capture with no previous listing writes.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentReporter } from '../common/reporter';
import { LocalDestination } from '../destinations/local';
import { newWriteStats, readBlobLines } from '../repository/blobs';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import type { TreeRoot } from '../repository/snapshots';
import { captureTree, loadParent, noParent, type ParentCapture } from './tree';

let root: string;
let src: string;
let repository: Repository;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-unchanged-dirs-'));
  repository = await Repository.init(new LocalDestination(path.join(root, 'repo')), passphraseSecret('unchanged dirs test passphrase'));
  // Mattermost's shape: a directory per day, team, channel, user and post, with a file or three in the last.
  src = path.join(root, 'store');
  for (let day = 1; day <= 6; day++) {
    for (let post = 0; post < 4; post++) {
      const dir = path.join(src, `2026010${day}`, 'teams/t1/channels/c1/users/u1', `post${post}`);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'photo.jpg'), `photo ${day}/${post}`);
      if (post % 2 === 0) await fs.writeFile(path.join(dir, 'photo_thumb.jpg'), `thumb ${day}/${post}`);
    }
  }
  // Timestamps are coarser than the clock: whatever is changed from here on has a later ctime.
  await sleep(30);
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

/** A capture in which every directory left unchanged since the test's set-up counts as settled. */
async function capture(parent: ParentCapture, listings = { reused: 0 }): Promise<TreeRoot> {
  const tree = await captureTree(repository, 'data', src, parent, newWriteStats(), silentReporter, { listings, settledBefore: Date.now() });
  await repository.flush();
  await repository.refreshIndex();
  return tree;
}

async function lines(tree: TreeRoot): Promise<string[]> {
  const out: string[] = [];
  for await (const line of readBlobLines(repository, tree.tree)) if (line) out.push(line);
  return out;
}

test('an unchanged store is walked without reading its directories again, into the same listing', async () => {
  const first = await capture(noParent());
  const listings = { reused: 0 };
  const second = await capture(await loadParent(repository, first), listings);
  expect(listings.reused).toBe(first.dirs);
  expect(first.dirs).toBe(6 * 11);
  expect(await lines(second)).toEqual(await lines(first));
});

test('entries added, removed, renamed or replaced in known directories are captured as a fresh capture sees them', async () => {
  const first = await capture(noParent());
  const post = (day: number, n: number) => path.join(src, `2026010${day}`, 'teams/t1/channels/c1/users/u1', `post${n}`);
  await fs.writeFile(path.join(post(1, 0), 'photo_preview.jpg'), 'added');
  await fs.rm(path.join(post(2, 0), 'photo_thumb.jpg'));
  await fs.rename(path.join(post(3, 1), 'photo.jpg'), path.join(post(3, 1), 'renamed.jpg'));
  await fs.rm(post(4, 2), { recursive: true });
  await fs.mkdir(path.join(post(4, 2), 'nested'), { recursive: true });
  await fs.writeFile(path.join(post(4, 2), 'nested', 'other.pdf'), 'a new directory under the old name');
  await fs.mkdir(path.join(src, '20260107/teams/t1'), { recursive: true });
  await fs.chmod(post(5, 3), 0o700);
  const listings = { reused: 0 };
  const second = await capture(await loadParent(repository, first), listings);
  const fresh = await capture(noParent());
  expect(await lines(second)).toEqual(await lines(fresh));
  expect(await lines(second)).not.toEqual(await lines(first));
  // Read again: the five posts changed and the directory one of them was replaced in (and the new ones).
  expect(listings.reused).toBe(first.dirs - 6);
});

test('a directory whose ctime is within the settling time keeps none, and the next backup reads it again', async () => {
  const first = await captureTree(repository, 'data', src, noParent(), newWriteStats(), silentReporter);
  await repository.flush();
  await repository.refreshIndex();
  for (const line of await lines(first)) expect(JSON.parse(line)).not.toHaveProperty('c');
  const listings = { reused: 0 };
  const second = await captureTree(repository, 'data', src, await loadParent(repository, first), newWriteStats(), silentReporter, { listings });
  expect(listings.reused).toBe(0);
  await repository.flush();
  expect(await lines(second)).toEqual(await lines(first));
});
