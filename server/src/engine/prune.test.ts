/**
 * prune against a real local format-1 repository (loose objects; packs: ./prune-packs.test.ts) with synthetic snapshots: manifests written with saveSnapshot,
 * blobs through the real chunker and sealing, times in the past. Afterwards every kept snapshot must pass
 * verify --read-data, and the repository must hold exactly the objects the kept snapshots reference.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Reporter } from '../common/reporter';
import { LocalDestination } from '../destinations/local';
import { newWriteStats, writeBufferBlob } from '../repository/blobs';
import { passphraseSecret } from '../repository/keys';
import { acquireLock } from '../repository/lock';
import { pidNamespace } from '../repository/lock-owner';
import { Repository } from '../repository/repository';
import { listSnapshots, newSnapshotId, saveSnapshot, type SnapshotManifest } from '../repository/snapshots';
import { listVerifications, recordOutcome } from '../repository/verifications';
import { runPrune } from './prune';
import { snapshotChunkIds } from './references';
import { verifySnapshots } from './verify';

let root: string;
let repository: Repository;
let warnings: string[];
let reporter: Reporter;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-prune-'));
  repository = await Repository.init(new LocalDestination(root), passphraseSecret('prune test passphrase'), { formatVersion: 1 });
  warnings = [];
  reporter = { stepStarted() {}, bytes() {}, info() {}, warn: (line) => void warnings.push(line), stepFinished() {} };
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

const SHARED = randomBytes(3000); // a file every snapshot holds: one chunk, stored once

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString();
}

/** A complete snapshot as a backup would write it: a dump, a file-store tree (SHARED + own files), the env. */
async function makeSnapshot(startedAt: string, options: { tags?: string[]; files?: Record<string, Buffer> } = {}): Promise<SnapshotManifest> {
  const stats = newWriteStats();
  const files = { 'shared.bin': SHARED, [`own-${startedAt}.bin`]: randomBytes(2000), ...options.files };
  const lines: string[] = [];
  for (const [p, data] of Object.entries(files)) {
    lines.push(`${JSON.stringify({ p, t: 'f', m: 0o644, mt: 0, u: 0, g: 0, s: data.length, b: await writeBufferBlob(repository, data, stats) })}\n`);
  }
  const tree = await writeBufferBlob(repository, Buffer.from(lines.join('')), stats);
  const manifest: SnapshotManifest = {
    formatVersion: 1,
    id: newSnapshotId(),
    startedAt,
    finishedAt: startedAt,
    durationMs: 1,
    host: 'test',
    tags: options.tags ?? [],
    tool: { name: 'mmbackup', version: 'test' },
    mattermost: { configSource: 'file', configLocation: '/x/config.json', installDir: '/x', database: { driver: 'postgres', name: 'mm' } },
    components: {
      db: {
        driver: 'postgres',
        database: 'mm',
        source: 'h:5432/mm',
        serverVersion: '16',
        dumpTool: 'pg_dump',
        format: 'plain-sql',
        dump: await writeBufferBlob(repository, randomBytes(5000), stats),
        tables: { Posts: 1 },
        referencedFiles: { count: 1, list: await writeBufferBlob(repository, Buffer.from('"shared.bin"\n'), stats) },
        durationMs: 1,
      },
      config: { source: 'file', environmentNames: [], environment: await writeBufferBlob(repository, Buffer.from(`{"at":"${startedAt}"}`), stats), durationMs: 1 },
      files: { driver: 'local', roots: [{ name: 'data', path: '/x/data', files: lines.length, dirs: 0, bytes: 0, tree }], durationMs: 1 },
    },
    totals: { size: 0, bytesWritten: stats.bytesWritten, chunksNew: stats.chunksNew, chunksReused: stats.chunksReused },
  };
  await saveSnapshot(repository, manifest);
  return manifest;
}

/** What a killed backup leaves: stored chunks (some shared with good snapshots) and no manifest. */
async function killedBackupLeftovers(): Promise<string[]> {
  const stats = newWriteStats();
  const own = await writeBufferBlob(repository, randomBytes(4000), stats);
  await writeBufferBlob(repository, SHARED, stats);
  return own.chunks;
}

async function storedObjects(): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const o of repository.destination.list('objects/')) ids.add(path.basename(o.name));
  return ids;
}

async function referencedBy(snapshots: SnapshotManifest[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const s of snapshots) await snapshotChunkIds(repository, s, ids);
  return ids;
}

/** Every file under the repository with its size and mtime: "changes nothing" means this is equal. */
async function repositoryState(): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const st = await fs.stat(full);
    out.push(`${path.relative(root, full)} ${st.size} ${st.mtimeMs}`);
  }
  return out.sort();
}

async function oldTemporaryFile(name: string, hoursAgo: number): Promise<void> {
  const full = path.join(root, name);
  await fs.mkdir(path.dirname(full), { recursive: true });
  await fs.writeFile(full, 'partial write');
  const t = (Date.now() - hoursAgo * 3_600_000) / 1000;
  await fs.utimes(full, t, t);
}

async function expectSound(snapshots: SnapshotManifest[]): Promise<void> {
  const report = await verifySnapshots(repository, snapshots, true, reporter);
  expect(report.problems).toEqual([]);
}

test('leftovers of a killed backup are reclaimed; every object of the kept snapshots stays and reads back', async () => {
  const oldest = await makeSnapshot(daysAgo(3));
  const middle = await makeSnapshot(daysAgo(2));
  const newest = await makeSnapshot(daysAgo(1));
  const leftovers = await killedBackupLeftovers();
  await oldTemporaryFile('objects/ab/.tmp-ab00-killed', 2);
  await oldTemporaryFile('snapshots/.tmp-young', 0.1);
  const oldestRefs = await referencedBy([oldest]);

  const report = await runPrune(repository, { last: 2 }, { reporter });

  expect(report.removed.map((r) => r.id)).toEqual([oldest.id]);
  expect(report.removed[0].reason).toBe('no rule keeps it: not among the last 2');
  expect(report.kept.map((k) => [k.id, k.reasons])).toEqual([
    [newest.id, ['last 2 snapshots']],
    [middle.id, ['last 2 snapshots']],
  ]);
  expect((await listSnapshots(repository)).map((s) => s.id)).toEqual([newest.id, middle.id]);
  const expected = await referencedBy([newest, middle]);
  expect(await storedObjects()).toEqual(expected);
  for (const id of leftovers) expect(expected.has(id)).toBe(false);
  const oldestOwn = [...oldestRefs].filter((id) => !expected.has(id));
  expect(report.objects.reclaimed).toBe(oldestOwn.length + leftovers.length);
  expect(report.objects.leftovers).toBe(leftovers.length);
  expect(report.temporaryFiles.reclaimed).toBe(1);
  await expect(fs.stat(path.join(root, 'objects/ab/.tmp-ab00-killed'))).rejects.toThrow();
  await expect(fs.stat(path.join(root, 'snapshots/.tmp-young'))).resolves.toBeDefined(); // may belong to a writer at work
  expect(await fs.readdir(path.join(root, 'locks'))).toEqual([]);
  await expectSound([newest, middle]);
});

test('probe objects of killed runs under preflight/ are reclaimed once an hour old by the store\'s clock', async () => {
  await makeSnapshot(daysAgo(1));
  await oldTemporaryFile('preflight/clock-0123456789abcdef', 2);
  await oldTemporaryFile('preflight/fedcba9876543210', 0.1);
  const dry = await runPrune(repository, { last: 1 }, { reporter, dryRun: true });
  expect(dry.temporaryFiles.reclaimed).toBe(1);
  await expect(fs.stat(path.join(root, 'preflight/clock-0123456789abcdef'))).resolves.toBeDefined();
  const report = await runPrune(repository, { last: 1 }, { reporter });
  expect(report.temporaryFiles.reclaimed).toBe(1);
  expect(await fs.readdir(path.join(root, 'preflight'))).toEqual(['fedcba9876543210']); // may belong to a backup at work
});

test('chunks shared between a removed and a kept snapshot are kept', async () => {
  const common = randomBytes(6000);
  const removed = await makeSnapshot(daysAgo(2), { files: { 'common.bin': common } });
  const kept = await makeSnapshot(daysAgo(1), { files: { 'common-renamed.bin': common } });
  const removedIds = await referencedBy([removed]);
  const keptIds = await referencedBy([kept]);
  expect([...removedIds].filter((id) => keptIds.has(id)).length).toBeGreaterThanOrEqual(2); // SHARED and common

  await runPrune(repository, { last: 1 }, { reporter });

  const stored = await storedObjects();
  for (const id of keptIds) expect(stored.has(id)).toBe(true);
  expect((await listSnapshots(repository)).map((s) => s.id)).toEqual([kept.id]);
  await expectSound([kept]);
});

test('the newest verified snapshot is kept even when the policy drops it, and says which rule saved it', async () => {
  const oldVerified = await makeSnapshot(daysAgo(10));
  const verified = await makeSnapshot(daysAgo(5));
  const unverified = await makeSnapshot(daysAgo(2));
  const newest = await makeSnapshot(daysAgo(1));
  await recordOutcome(repository, oldVerified.id, { kind: 'verify', ok: true, readData: true });
  await recordOutcome(repository, verified.id, { kind: 'verify', ok: true, readData: true, at: new Date('2026-01-01T00:00:00Z') });

  const report = await runPrune(repository, { last: 1 }, { reporter });

  expect(report.removed.map((r) => r.id).sort()).toEqual([oldVerified.id, unverified.id].sort());
  expect(report.savedBySafety).toEqual([
    { id: verified.id, rules: ['the newest verified snapshot is never removed (passed verify --read-data at 2026-01-01T00:00:00.000Z)'], policyReason: 'no rule keeps it: not among the last 1' },
  ]);
  expect(report.kept.find((k) => k.id === verified.id)!.reasons).toEqual([`safety: ${report.savedBySafety[0].rules[0]}`]);
  expect((await listSnapshots(repository)).map((s) => s.id)).toEqual([newest.id, verified.id]);
  expect((await listVerifications(repository)).map((v) => v.snapshot)).toEqual([verified.id]);
  expect(report.verificationRecordsRemoved).toBe(1);
  await expectSound([newest, verified]);
});

test('the newest snapshot is never removed, even by a policy that keeps nothing else', async () => {
  await makeSnapshot(daysAgo(2));
  const newest = await makeSnapshot(daysAgo(1));
  const report = await runPrune(repository, { tags: ['no-snapshot-has-this'] }, { reporter });
  expect(report.savedBySafety.map((s) => [s.id, s.rules])).toEqual([[newest.id, ['the newest snapshot is never removed']]]);
  expect((await listSnapshots(repository)).map((s) => s.id)).toEqual([newest.id]);
  await expectSound([newest]);
});

test('an empty policy keeps every snapshot and only reclaims unreferenced objects', async () => {
  const a = await makeSnapshot(daysAgo(2));
  const b = await makeSnapshot(daysAgo(1));
  const leftovers = await killedBackupLeftovers();
  const report = await runPrune(repository, {}, { reporter });
  expect(report.emptyPolicy).toBe(true);
  expect(report.removed).toEqual([]);
  expect(report.objects.reclaimed).toBe(leftovers.length);
  expect(warnings.some((w) => /every snapshot is kept/.test(w))).toBe(true);
  expect((await listSnapshots(repository)).map((s) => s.id)).toEqual([b.id, a.id]);
});

test('a failed backup followed by prune removes nothing good', async () => {
  const good = [await makeSnapshot(daysAgo(3)), await makeSnapshot(daysAgo(2)), await makeSnapshot(daysAgo(1))];
  const before = await storedObjects();
  // The killed run: its lock (a process that is gone), its chunks, a half-written object.
  await fs.mkdir(path.join(root, 'locks'), { recursive: true });
  const now = new Date().toISOString();
  await fs.writeFile(path.join(root, 'locks/00000000deadbeef'), JSON.stringify({ host: os.hostname(), pid: 2 ** 22 + 12345, owner: '0123456789abcdef', namespace: pidNamespace(), operation: 'backup', created: now, heartbeat: now }));
  const leftovers = await killedBackupLeftovers();
  await oldTemporaryFile('objects/cd/.tmp-cd11-killed', 3);

  const report = await runPrune(repository, { daily: 7 }, { reporter });

  expect(warnings.some((w) => /removing stale lock of "backup"/.test(w))).toBe(true);
  expect(report.removed).toEqual([]);
  expect(report.objects.reclaimed).toBe(leftovers.length);
  expect(report.objects.leftovers).toBe(leftovers.length);
  expect(await storedObjects()).toEqual(before);
  expect((await listSnapshots(repository)).map((s) => s.id)).toEqual(good.map((s) => s.id).reverse());
  await expectSound(good);
});

test('a dry run shows every verdict and what would be reclaimed, and changes nothing', async () => {
  const oldest = await makeSnapshot(daysAgo(3));
  await makeSnapshot(daysAgo(2));
  const newest = await makeSnapshot(daysAgo(1));
  await recordOutcome(repository, oldest.id, { kind: 'drill', ok: true });
  const leftovers = await killedBackupLeftovers();
  await oldTemporaryFile('objects/ef/.tmp-ef22-killed', 2);
  const before = await repositoryState();

  const report = await runPrune(repository, { last: 1 }, { dryRun: true, reporter });

  expect(await repositoryState()).toEqual(before);
  expect(report.dryRun).toBe(true);
  expect(report.kept.map((k) => k.id)).toEqual([newest.id, oldest.id]);
  expect(report.savedBySafety[0].rules[0]).toMatch(/newest verified snapshot .*passed drill/);
  expect(report.removed).toHaveLength(1);
  expect(report.objects.leftovers).toBe(leftovers.length);
  expect(report.objects.reclaimed).toBeGreaterThan(leftovers.length);
  expect(report.temporaryFiles.reclaimed).toBe(1);

  // The real run does what the dry run said.
  const real = await runPrune(repository, { last: 1 }, { reporter });
  expect({ ...real, dryRun: true }).toEqual(report);
});

test('a live lock makes prune fail with the locked error (exit code 3) and change nothing', async () => {
  await makeSnapshot(daysAgo(2));
  await makeSnapshot(daysAgo(1));
  await killedBackupLeftovers();
  const lock = await acquireLock(repository.destination, 'backup', reporter);
  try {
    const before = await repositoryState();
    await expect(runPrune(repository, { last: 1 }, { reporter })).rejects.toMatchObject({ code: 'REPO_LOCKED', exitCode: 3 });
    expect(await repositoryState()).toEqual(before);
  } finally {
    await lock.release();
  }
});

test('a kept snapshot whose file listing cannot be read stops prune before anything is deleted', async () => {
  await makeSnapshot(daysAgo(2));
  const newest = await makeSnapshot(daysAgo(1));
  await killedBackupLeftovers();
  const listing = newest.components.files!.roots[0].tree.chunks[0];
  const file = path.join(root, 'objects', listing.slice(0, 2), listing);
  await fs.writeFile(file, randomBytes((await fs.stat(file)).size));
  const before = await repositoryState();
  await expect(runPrune(repository, { last: 1 }, { reporter })).rejects.toMatchObject({ code: 'LISTING_UNREADABLE' });
  expect(await repositoryState()).toEqual(before);
});
