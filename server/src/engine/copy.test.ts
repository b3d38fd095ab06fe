import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentReporter } from '../common/reporter';
import type { Destination } from '../destinations/destination';
import { LocalDestination } from '../destinations/local';
import { newWriteStats, writeBufferBlob } from '../repository/blobs';
import { passphraseSecret, type Secret } from '../repository/keys';
import { acquireLock } from '../repository/lock';
import { objectName, Repository } from '../repository/repository';
import { listSnapshots, newSnapshotId, saveSnapshot, type SnapshotManifest } from '../repository/snapshots';
import { copySnapshots, openCopyTarget } from './copy';
import { snapshotChunkIds } from './references';
import { captureTree, noParent } from './tree';
import { verifySnapshots } from './verify';

const sourceSecret = passphraseSecret('source repository passphrase');
const targetSecret = passphraseSecret('the off-site passphrase');

let root: string;
let source: Repository;
let clock = Date.parse('2025-01-01T00:00:00Z');

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-copy-'));
  source = await Repository.init(new LocalDestination(path.join(root, 'source')), sourceSecret, { formatVersion: 1 }); // packs: ./format2.test.ts
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

/** A snapshot with real blobs and a real tree listing: a dump, the referenced-files list, env, and `files`. */
async function addSnapshot(repo: Repository, files: Record<string, Buffer>): Promise<SnapshotManifest> {
  const dir = await fs.mkdtemp(path.join(root, 'files-'));
  for (const [name, data] of Object.entries(files)) await fs.writeFile(path.join(dir, name), data);
  const stats = newWriteStats();
  await repo.refreshIndex();
  const data = await captureTree(repo, 'data', dir, noParent(), stats, silentReporter);
  const dump = await writeBufferBlob(repo, randomBytes(5000), stats);
  const list = await writeBufferBlob(repo, Buffer.from(Object.keys(files).map((f) => JSON.stringify(f)).join('\n')), stats);
  const environment = await writeBufferBlob(repo, Buffer.from(JSON.stringify({ MM_X: String(clock) })), stats);
  const startedAt = new Date((clock += 3600_000)).toISOString();
  const manifest: SnapshotManifest = {
    formatVersion: 1,
    id: newSnapshotId(),
    startedAt,
    finishedAt: startedAt,
    durationMs: 1,
    host: 'test',
    tags: [],
    tool: { name: 'mmbackup', version: 'test' },
    mattermost: { configSource: 'file', configLocation: '/c', installDir: '/i', database: { driver: 'postgres', name: 'mm' } },
    components: {
      db: { driver: 'postgres', database: 'mm', source: 'h:5432/mm', serverVersion: '16', dumpTool: 'pg_dump', format: 'plain-sql', dump, tables: {}, referencedFiles: { count: 1, list }, durationMs: 1 },
      config: { source: 'file', environmentNames: ['MM_X'], environment, durationMs: 1 },
      files: { driver: 'local', roots: [data], durationMs: 1 },
    },
    totals: { size: 0, bytesWritten: stats.bytesWritten, chunksNew: stats.chunksNew, chunksReused: stats.chunksReused },
  };
  await saveSnapshot(repo, manifest);
  return manifest;
}

function someFiles(n: number, prefix = 'f'): Record<string, Buffer> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, randomBytes(1000 + i)]));
}

/** Delegates to a real destination; `save` can be replaced to inject faults or count. */
function wrap(inner: Destination, save: Destination['save']): Destination {
  return {
    location: inner.location,
    save,
    load: (n, r) => inner.load(n, r),
    stat: (n) => inner.stat(n),
    list: (p) => inner.list(p),
    remove: (n) => inner.remove(n),
    isNotFound: (e) => inner.isNotFound(e),
    isAlreadyExists: (e) => inner.isAlreadyExists(e),
    isPermanent: (e) => inner.isPermanent(e),
  };
}

async function copyTo(dir: string, secret?: Secret, destination: Destination = new LocalDestination(dir), verify = false) {
  const { target, created } = await openCopyTarget(source, destination, { secret, sourceSecret });
  return { target, created, report: await copySnapshots({ source, target, reporter: silentReporter, verify }) };
}

async function objectFiles(repoDir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const sub of await fs.readdir(path.join(repoDir, 'objects')).catch(() => [])) {
    for (const name of await fs.readdir(path.join(repoDir, 'objects', sub))) out.set(name, await fs.readFile(path.join(repoDir, 'objects', sub, name)));
  }
  return out;
}

test('the first copy creates a twin opened by the given secret, with the same snapshots and byte-identical objects', async () => {
  const older = await addSnapshot(source, someFiles(3));
  const newer = await addSnapshot(source, someFiles(3, 'g'));
  const dir = path.join(root, 'twin');
  let inFlight = 0;
  let maxInFlight = 0;
  const local = new LocalDestination(dir);
  const counting = wrap(local, async (name, data, options) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await new Promise((r) => setTimeout(r, 2));
    try {
      await local.save(name, data, options);
    } finally {
      inFlight--;
    }
  });
  const { created, report } = await copyTo(dir, targetSecret, counting);

  expect(created).toBe(true);
  expect(report.snapshotsCopied).toEqual([newer.id, older.id]);
  expect(report.objectsCopied).toBe((await objectFiles(path.join(root, 'source'))).size);
  expect(maxInFlight).toBeLessThanOrEqual(4);
  expect(maxInFlight).toBeGreaterThan(1);

  const twin = await Repository.open(new LocalDestination(dir), targetSecret);
  expect(twin.id).toBe(source.id);
  expect(twin.fingerprint).toBe(source.fingerprint);
  expect(twin.config).toEqual(source.config);
  await expect(Repository.open(new LocalDestination(dir), sourceSecret)).rejects.toMatchObject({ code: 'WRONG_KEY', exitCode: 4 });
  expect(await listSnapshots(twin)).toEqual(await listSnapshots(source));
  expect(await objectFiles(dir)).toEqual(await objectFiles(path.join(root, 'source')));
  expect(await fs.readdir(path.join(dir, 'locks'))).toEqual([]);
  const verified = await verifySnapshots(twin, await listSnapshots(twin), true, silentReporter);
  expect(verified.problems).toEqual([]);
});

test('without a target secret the source secret opens the twin, and a second copy copies nothing', async () => {
  await addSnapshot(source, someFiles(2));
  const dir = path.join(root, 'twin');
  await copyTo(dir);
  expect((await Repository.open(new LocalDestination(dir), sourceSecret)).fingerprint).toBe(source.fingerprint);

  const { created, report } = await copyTo(dir);
  expect(created).toBe(false);
  expect(report).toMatchObject({ snapshotsCopied: [], objectsCopied: 0, bytesCopied: 0, snapshotsFailed: [] });
  expect(report.snapshotsSkipped).toHaveLength(1);
});

test('a new snapshot copies only the objects the twin lacks', async () => {
  const files = someFiles(4);
  await addSnapshot(source, files);
  const dir = path.join(root, 'twin');
  await copyTo(dir, targetSecret);
  const next = await addSnapshot(source, { ...files, extra: randomBytes(4000) });

  const before = new Set((await objectFiles(dir)).keys());
  const nextIds = await snapshotChunkIds(source, next);
  const { report } = await copyTo(dir, targetSecret);
  expect(report.snapshotsCopied).toEqual([next.id]);
  expect(report.objectsCopied).toBe([...nextIds].filter((id) => !before.has(id)).length);
  expect(report.objectsSkipped).toBe([...nextIds].filter((id) => before.has(id)).length);
  expect(report.objectsSkipped).toBeGreaterThanOrEqual(4); // the unchanged files
});

test('an interrupted copy leaves no manifest for the unfinished snapshot; a rerun completes and verifies', async () => {
  await addSnapshot(source, someFiles(6));
  const dir = path.join(root, 'twin');
  const local = new LocalDestination(dir);
  let objectsSaved = 0;
  const failing = wrap(local, async (name, data, options) => {
    if (name.startsWith('objects/') && ++objectsSaved > 3) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
    return local.save(name, data, options);
  });
  await expect(copyTo(dir, targetSecret, failing)).rejects.toMatchObject({ exitCode: 1 });
  expect(await fs.readdir(path.join(dir, 'snapshots')).catch(() => [])).toEqual([]);
  expect((await objectFiles(dir)).size).toBe(3);
  expect(await fs.readdir(path.join(dir, 'locks'))).toEqual([]);

  const total = (await objectFiles(path.join(root, 'source'))).size;
  const { created, report } = await copyTo(dir, targetSecret);
  expect(created).toBe(false);
  expect(report.objectsCopied).toBe(total - 3);
  expect(report.objectsSkipped).toBe(3);
  const twin = await Repository.open(local, targetSecret);
  const snapshots = await listSnapshots(twin);
  expect(snapshots.map((s) => s.id)).toEqual(report.snapshotsCopied);
  expect((await verifySnapshots(twin, snapshots, true, silentReporter)).problems).toEqual([]);
});

test('a repository with other master keys is refused (exit 2) and left untouched, even with the same passphrase', async () => {
  await addSnapshot(source, someFiles(1));
  const dir = path.join(root, 'other');
  const other = await Repository.init(new LocalDestination(dir), sourceSecret);
  const refused = await copyTo(dir).catch((e) => e);
  expect(refused).toMatchObject({ code: 'COPY_TARGET_NOT_TWIN', exitCode: 2 });
  expect(refused.message).toContain('twin');
  expect(refused.fix).toMatch(/empty location/);
  await expect(copySnapshots({ source, target: other, reporter: silentReporter })).rejects.toMatchObject({ code: 'COPY_TARGET_NOT_TWIN' });
  await expect(fs.readdir(path.join(dir, 'objects'))).rejects.toMatchObject({ code: 'ENOENT' });
});

test('a given target secret that does not open an existing twin is exit 4', async () => {
  await addSnapshot(source, someFiles(1));
  const dir = path.join(root, 'twin');
  await copyTo(dir, targetSecret);
  await expect(copyTo(dir, passphraseSecret('not the off-site passphrase'))).rejects.toMatchObject({ code: 'WRONG_KEY', exitCode: 4 });
});

test('a locked target is exit 3 and nothing is copied', async () => {
  await addSnapshot(source, someFiles(1));
  const dir = path.join(root, 'twin');
  await Repository.initTwin(new LocalDestination(dir), source, targetSecret);
  const lock = await acquireLock(new LocalDestination(dir), 'backup', silentReporter);
  try {
    await expect(copyTo(dir)).rejects.toMatchObject({ code: 'REPO_LOCKED', exitCode: 3 });
    expect((await objectFiles(dir)).size).toBe(0);
  } finally {
    await lock.release();
  }
});

test('a snapshot the source cannot provide is reported and the others are still copied', async () => {
  const good = await addSnapshot(source, someFiles(2));
  const damaged = await addSnapshot(source, someFiles(2, 'd'));
  const lost = damaged.components.db!.dump.chunks[0];
  await fs.rm(path.join(root, 'source', objectName(lost)));
  const dir = path.join(root, 'twin');
  const { report } = await copyTo(dir);
  expect(report.snapshotsCopied).toEqual([good.id]);
  expect(report.snapshotsFailed).toEqual([{ id: damaged.id, problem: expect.stringContaining('missing from the source') }]);
  const twin = await Repository.open(new LocalDestination(dir), sourceSecret);
  expect((await listSnapshots(twin)).map((s) => s.id)).toEqual([good.id]);
});

test('with verify, an object damaged in the source is not copied and its snapshot fails', async () => {
  const snapshot = await addSnapshot(source, someFiles(2));
  const id = snapshot.components.db!.dump.chunks[0];
  const file = path.join(root, 'source', objectName(id));
  const bytes = await fs.readFile(file);
  bytes[bytes.length - 20] ^= 0xff;
  await fs.writeFile(file, bytes);
  const dir = path.join(root, 'twin');
  const { report } = await copyTo(dir, undefined, new LocalDestination(dir), true);
  expect(report.verified).toBe(true);
  expect(report.snapshotsCopied).toEqual([]);
  expect(report.snapshotsFailed[0].problem).toMatch(/damaged in the source/);
  expect((await objectFiles(dir)).has(id)).toBe(false);
});
