/**
 * Format 2 (packs and index files) end to end through the engine, on the in-memory destination: no disk
 * repository, database or S3 server needed. Backups are real runBackup() runs of a files-only
 * installation (a temporary directory), so locks, flush and manifest order are the real ones.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentReporter, type Reporter } from '../common/reporter';
import { MemoryDestination } from '../destinations/memory';
import type { MattermostInstallation } from '../mattermost/types';
import { INDEX_PREFIX, loadBlobIndex } from '../repository/blob-index';
import { passphraseSecret } from '../repository/keys';
import { PACK_NAME } from '../repository/pack';
import { SPAN_PIECE_BYTES } from '../repository/pack-pieces';
import { Repository } from '../repository/repository';
import { listSnapshots, type SnapshotManifest } from '../repository/snapshots';
import { runBackup } from './backup';
import { copySnapshots, openCopyTarget } from './copy';
import { runPrune } from './prune';
import { restoreTree } from './restore-tree';
import { verifySnapshots } from './verify';

const secret = passphraseSecret('format two test passphrase');
const PACK_SIZE = 256 * 1024;

let root: string;
let store: string;
let destination: MemoryDestination;
let repository: Repository;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-format2-'));
  store = path.join(root, 'data');
  await fs.mkdir(store);
  destination = new MemoryDestination('format2');
  repository = await Repository.init(destination, secret, { packSize: PACK_SIZE });
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

function installation(): MattermostInstallation {
  return {
    configSource: { kind: 'file', path: path.join(root, 'config/config.json') },
    installDir: root,
    database: { driver: 'postgres', host: '', port: 0, user: '', database: 'mm', params: {} },
    fileStore: { driver: 'local', directory: store },
    pluginDirs: { server: path.join(root, 'plugins'), client: path.join(root, 'client/plugins') },
    envOverrides: {},
    config: {},
  };
}

/** Mattermost-shaped attachments: each file with its _thumb and _preview, sizes from a few bytes to 40 KiB. */
async function addFiles(count: number, day = '20250101'): Promise<void> {
  for (let i = 0; i < count; i++) {
    const dir = path.join(store, day, 'teams/t/channels/c/users/u', `f${i}`);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'image.png'), randomBytes(1000 + ((i * 7919) % 40_000)));
    await fs.writeFile(path.join(dir, 'image_thumb.png'), randomBytes(300));
    await fs.writeFile(path.join(dir, 'image_preview.png'), randomBytes(2000));
  }
}

const backup = (repo = repository) => runBackup({ installation: installation(), repository: repo, components: ['files'], reporter: silentReporter });

async function names(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of destination.list(prefix)) out.push(o.name);
  return out.sort();
}

/** Sound: verify --read-data passes, and every pack every index file names exists. */
async function expectSound(repo: Repository, snapshots?: SnapshotManifest[]): Promise<void> {
  const report = await verifySnapshots(repo, snapshots ?? (await listSnapshots(repo)), true, silentReporter);
  expect(report.problems).toEqual([]);
  const index = await loadBlobIndex(repo.destination, (name) => repo.loadSealed(name));
  const packs = new Set((await names('data/')).map((n) => PACK_NAME.exec(n)![2]));
  for (const id of index.packIds()) expect(packs.has(id)).toBe(true);
}

test('a backup stores files in a few packs with an index, reads no listing of the data, and restores', async () => {
  await addFiles(60);
  const first = await backup();
  const packs = await names('data/');
  expect(packs.length).toBeGreaterThan(1);
  expect(packs.length).toBeLessThan(20); // 180 files and a listing in packs of 256 KiB, not 181 objects
  expect(await names(INDEX_PREFIX)).toHaveLength(1);
  expect(first.formatVersion).toBe(2);

  const reopened = await Repository.open(destination, secret);
  destination.calls.list = 0;
  const again = await backup(reopened);
  expect(again.totals.bytesWritten).toBeLessThan(2000); // only the listing: no file stored again
  expect((await names('data/')).length).toBeLessThanOrEqual(packs.length + 1); // at most a pack for a new listing
  const listed: string[] = [];
  const list = destination.list.bind(destination);
  destination.list = (prefix: string) => (listed.push(prefix), list(prefix));
  await backup(reopened);
  expect(listed.filter((p) => p.startsWith('data'))).toEqual([]); // the index is read, not a listing of every pack

  const target = path.join(root, 'restored');
  await fs.mkdir(target);
  const loadsBefore = destination.calls.load;
  await restoreTree(await Repository.open(destination, secret), first.components.files!.roots[0], target, silentReporter);
  // 180 small files come out of a handful of packs: one read per pack (and the listing), not one per file.
  expect(destination.calls.load - loadsBefore).toBeLessThan(packs.length + 10);
  const original = path.join(store, '20250101/teams/t/channels/c/users/u/f17/image.png');
  expect((await fs.readFile(path.join(target, '20250101/teams/t/channels/c/users/u/f17/image.png'))).equals(await fs.readFile(original))).toBe(true);
  await expectSound(reopened);
});

test('a restore reads a large pack in pieces of at most SPAN_PIECE_BYTES, never splitting a blob', async () => {
  const big = await Repository.init(new MemoryDestination('format2-big-packs'), secret, { packSize: 8 * 1024 * 1024 });
  const dir = path.join(store, '20250102/teams/t/channels/c/users/u/p');
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < 48; i++) await fs.writeFile(path.join(dir, `f${i}.bin`), randomBytes(100_000 + i * 1000)); // one blob each
  const manifest = await backup(big);
  const packs: string[] = [];
  for await (const o of big.destination.list('data/')) packs.push(o.name);
  expect(packs).toHaveLength(1); // 5.3 MB of files in one pack

  const reads: number[] = [];
  const reopened = await Repository.open(big.destination, secret);
  const load = reopened.destination.load.bind(reopened.destination);
  reopened.destination.load = (name, range) => (name.startsWith('data/') && reads.push(range?.length ?? Infinity), load(name, range));
  const target = path.join(root, 'restored');
  await fs.mkdir(target);
  await restoreTree(reopened, manifest.components.files!.roots[0], target, silentReporter);
  const fileReads = reads.filter((n) => n > 50_000); // the listing's own blob is small
  expect(fileReads.length).toBeGreaterThanOrEqual(3);
  for (const n of fileReads) expect(n).toBeLessThanOrEqual(SPAN_PIECE_BYTES);
  for (let i = 0; i < 48; i++) {
    const name = `20250102/teams/t/channels/c/users/u/p/f${i}.bin`;
    expect((await fs.readFile(path.join(target, name))).equals(await fs.readFile(path.join(store, name)))).toBe(true);
  }
});

test('verify --read-data opens every blob and counts its plaintext once, packs checked at once', async () => {
  await addFiles(40); // blobs from 300 bytes (opened on the main thread) to 40 KiB (on the workers)
  await fs.writeFile(path.join(store, 'large.bin'), randomBytes(200_000)); // one a worker frees once checked
  const snapshot = await backup();
  const root = snapshot.components.files!.roots[0];
  const report = await verifySnapshots(await Repository.open(destination, secret), [snapshot], true, silentReporter);
  expect(report.problems).toEqual([]);
  expect(report.bytesRead).toBe(root.bytes + root.tree.size); // every file's bytes and the listing's
});

describe('verify --read-data names the damaged pack or index file', () => {
  test('one flipped byte in a pack, in its header or in its length', async () => {
    await addFiles(30);
    await backup();
    const [first] = await names('data/');
    const bytes = destination.raw(first);
    for (const at of [10, bytes.length - 40, bytes.length - 1]) {
      bytes[at] ^= 0x01;
      const report = await verifySnapshots(await Repository.open(destination, secret), await listSnapshots(repository), true, silentReporter);
      expect(report.problems.map((p) => p.object)).toContain(first);
      expect(report.problems.find((p) => p.object === first)!.problem).toMatch(/does not match its id/);
      bytes[at] ^= 0x01;
    }
    await expectSound(repository);
  });

  test('one flipped byte in an index file', async () => {
    await addFiles(10);
    await backup();
    const [index] = await names(INDEX_PREFIX);
    destination.raw(index)[20] ^= 0x01;
    const report = await verifySnapshots(await Repository.open(destination, secret), await listSnapshots(repository), true, silentReporter);
    expect(report.problems[0]).toMatchObject({ object: index, problem: expect.stringMatching(/the index file cannot be read: .*failed authentication/) });
  });
});

describe('prune on packs', () => {
  test('drops unused packs, repacks mostly unused ones, rewrites the index first, and deletes in batches', async () => {
    await addFiles(40, '20250101');
    const old = await backup();
    await fs.rm(path.join(store, '20250101'), { recursive: true });
    await addFiles(2, '20250102');
    const kept = await backup();
    const before = await names('data/');
    destination.calls.removeMany = 0;
    const removedOneByOne: string[] = [];
    const remove = destination.remove.bind(destination);
    destination.remove = (name: string) => (removedOneByOne.push(name), remove(name));

    const report = await runPrune(repository, { last: 1 }, { reporter: silentReporter });

    expect(report.removed.map((r) => r.id)).toEqual([old.id]);
    expect(report.packs!.removed + report.packs!.repacked).toBeGreaterThan(0);
    expect(report.objects.reclaimed).toBe(report.packs!.removed + report.packs!.repacked);
    expect(destination.calls.removeMany).toBeGreaterThanOrEqual(1); // one request per batch, not one per pack
    expect(removedOneByOne.filter((n) => /^(data|index)\//.test(n))).toEqual([]); // packs and index files go in batches
    expect((await names('data/')).length).toBeLessThan(before.length);
    expect(await names(INDEX_PREFIX)).toHaveLength(1);
    await expectSound(repository, [kept]);
  });

  test('a repacked pack keeps only the blobs still used, and the snapshot that uses them restores', async () => {
    await addFiles(4, '20250101');
    // One big file shares its pack with small ones: when it goes, the pack is mostly unused.
    await fs.writeFile(path.join(store, 'big.bin'), randomBytes(200 * 1024));
    const withBig = await backup();
    await fs.rm(path.join(store, 'big.bin'));
    const withoutBig = await backup();
    const report = await runPrune(repository, { last: 1 }, { reporter: silentReporter });
    expect(report.removed.map((r) => r.id)).toEqual([withBig.id]);
    expect(report.packs!.repacked).toBeGreaterThanOrEqual(1);
    expect(report.packs!.written).toBeGreaterThanOrEqual(1);
    await expectSound(repository, [withoutBig]);
    const target = path.join(root, 'restored');
    await fs.mkdir(target);
    await restoreTree(await Repository.open(destination, secret), withoutBig.components.files!.roots[0], target, silentReporter);
    expect((await fs.readdir(path.join(target, '20250101/teams/t/channels/c/users/u'))).length).toBe(4);
  });

  test('a dry run changes nothing and says what the real run does', async () => {
    await addFiles(20);
    await backup();
    await fs.rm(path.join(store, '20250101/teams/t/channels/c/users/u/f3'), { recursive: true });
    await backup();
    const before = [...(await names(''))];
    const dry = await runPrune(repository, { last: 1 }, { dryRun: true, reporter: silentReporter });
    expect(await names('')).toEqual(before);
    const real = await runPrune(repository, { last: 1 }, { reporter: silentReporter });
    expect(real.objects.reclaimed).toBe(dry.objects.reclaimed);
    expect(real.removed).toEqual(dry.removed);
  });

  test('a damaged index file stops prune before anything is deleted', async () => {
    await addFiles(10);
    await backup();
    await backup();
    const [index] = await names(INDEX_PREFIX);
    destination.raw(index)[30] ^= 0x01;
    const before = await names('');
    await expect(runPrune(repository, { last: 1 }, { reporter: silentReporter })).rejects.toMatchObject({ code: 'INDEX_DAMAGED' });
    expect(await names('')).toEqual(before);
  });
});

describe('a backup killed while writing packs or the index', () => {
  /** Fails every save after the first `allowed` (a process that died there): later saves never land. */
  function dyingAfter(allowed: number): { repo: Promise<Repository>; died: () => boolean } {
    let saves = 0;
    const save = destination.save.bind(destination);
    const dying = Object.create(destination) as MemoryDestination;
    dying.save = async (name, data, options) => {
      if (++saves > allowed) throw new Error('killed');
      return save(name, data, options);
    };
    return { repo: Repository.open(dying, secret), died: () => saves > allowed };
  }

  // A backup of these files saves: the preflight probe, the lock, 3 or more packs, the index, the manifest.
  test.each([1, 2, 3, 4, 5, 6])('after %i saves: earlier snapshots stay sound, the next backup and prune succeed', async (allowed) => {
    await addFiles(30, '20250101');
    const good = await backup();
    await addFiles(40, '20250102');
    const { repo, died } = dyingAfter(allowed);
    const failed = await runBackup({ installation: installation(), repository: await repo, components: ['files'], reporter: silentReporter }).catch((e) => e);
    expect(died()).toBe(true);
    expect(failed).toBeInstanceOf(Error);
    await destination.removeMany((await names('locks/'))); // the dead process's lock
    expect((await listSnapshots(repository)).map((s) => s.id)).toEqual([good.id]);
    await expectSound(await Repository.open(destination, secret));

    const next = await backup(await Repository.open(destination, secret));
    await runPrune(await Repository.open(destination, secret), {}, { reporter: silentReporter });
    await expectSound(await Repository.open(destination, secret), [next, good]);
  });
});

test('copy into a format-2 twin copies whole packs, then the index, then the manifest; a second copy copies nothing', async () => {
  await addFiles(25);
  await backup();
  await addFiles(5, '20250102');
  await backup();
  const target = new MemoryDestination('twin');
  const reporter: Reporter = silentReporter;
  const { target: twin } = await openCopyTarget(repository, target, { sourceSecret: secret });
  const report = await copySnapshots({ source: repository, target: twin, reporter, verify: true });
  expect(report.snapshotsCopied).toHaveLength(2);
  expect(report.objectsCopied).toBe((await names('data/')).length);
  const opened = await Repository.open(target, secret);
  expect(opened.formatVersion).toBe(2);
  await expectSound(opened);
  const again = await copySnapshots({ source: repository, target: twin, reporter });
  expect(again.objectsCopied).toBe(0);
});
