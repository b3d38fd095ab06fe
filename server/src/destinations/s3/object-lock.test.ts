/**
 * S3 Object Lock, against MinIO (a real S3 server with Object Lock and versioning), reached through the
 * recording proxy of ./fault-proxy.testkit.ts so that the requests sent can be checked: saves carry the
 * mode and retain-until date (locks and preflight probes do not); a bucket without Object Lock, asked for
 * immutability, is refused by init and by preflight before anything is written; prune leaves held objects
 * and manifests in place, says so, and reclaims them once the retention ended (shortened here with the
 * governance bypass, as an administrator may).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { GetObjectRetentionCommand, HeadObjectCommand, PutObjectRetentionCommand, S3Client } from '@aws-sdk/client-s3';
import { initCommand } from '../../cli/commands/init';
import { MmBackupError } from '../../common/errors';
import type { Reporter } from '../../common/reporter';
import { preflight } from '../../engine/preflight';
import { runPrune } from '../../engine/prune';
import type { MattermostInstallation } from '../../mattermost/types';
import { newWriteStats, writeBufferBlob } from '../../repository/blobs';
import { passphraseSecret } from '../../repository/keys';
import { packName } from '../../repository/pack';
import type { PackedBlobs } from '../../repository/packed-blobs';
import { Repository } from '../../repository/repository';
import { newSnapshotId, saveSnapshot, type SnapshotManifest } from '../../repository/snapshots';
import { startS3Server, type S3TestServer } from '../../../test/support/s3';
import type { Destination } from '../destination';
import { withRetries } from '../retry';
import { startFaultProxy, type FaultProxy } from './fault-proxy.testkit';
import { SINGLE_PUT_MAX } from './parts';
import { S3Destination } from './s3';
import { parseS3Url } from './url';

const DAY_MS = 86_400_000;
const secret = passphraseSecret('object lock test passphrase');
let minio: S3TestServer;
let proxy: FaultProxy;
let client: S3Client;
let ENV: Record<string, string>;
let prefixes = 0;

beforeAll(async () => {
  minio = await startS3Server();
  await minio.objectLockBucket('locked');
  await minio.bucket('plain');
  proxy = await startFaultProxy(minio.endpoint);
  ENV = minio.env();
  client = new S3Client({ region: 'us-east-1', endpoint: minio.endpoint, forcePathStyle: true, credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey } });
});
afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
  await minio?.stop();
});
beforeEach(() => void (proxy.requests.length = 0));

const repoUrl = (bucket: string, prefix: string, query: string) => `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(proxy.endpoint)}&region=us-east-1${query ? `&${query}` : ''}`;

function open(bucket: string, query = 'objectLock=governance&lockDays=30'): { destination: Destination; prefix: string } {
  const prefix = `repo-${++prefixes}`;
  const s3 = new S3Destination(parseS3Url(repoUrl(bucket, prefix, query), ENV));
  return { destination: withRetries(s3, { attempts: 2, baseDelayMs: 10 }), prefix };
}

const puts = () => proxy.requests.filter((r) => r.method === 'PUT');

/** The retention MinIO keeps for a key, or undefined when it has none. */
async function retention(bucket: string, key: string): Promise<{ mode?: string; until?: Date } | undefined> {
  try {
    const { Retention } = await client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key }));
    return { mode: Retention?.Mode, until: Retention?.RetainUntilDate };
  } catch {
    return undefined;
  }
}

async function exists(bucket: string, key: string): Promise<boolean> {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, () => false);
}

/** Lets the governance retention of `keys` end about now (the bypass an administrator has), then waits for it. */
async function expire(bucket: string, keys: string[]): Promise<void> {
  const until = new Date(Date.now() + 1500);
  for (const Key of keys) await client.send(new PutObjectRetentionCommand({ Bucket: bucket, Key, BypassGovernanceRetention: true, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until } }));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, until.getTime() - Date.now()) + 1100));
}

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of new S3Destination(parseS3Url(`s3://${bucket}/?endpoint=${encodeURIComponent(minio.endpoint)}&region=us-east-1`, ENV)).list(prefix)) out.push(o.name);
  return out;
}
describe('objectLock and lockDays in the repository URL', () => {
  const parse = (query: string) => parseS3Url(`s3://b/p?endpoint=http://127.0.0.1:1&${query}`, ENV).objectLock;
  test.each([
    ['', undefined],
    ['objectLock=governance&lockDays=30', { mode: 'GOVERNANCE', days: 30 }],
    ['objectLock=COMPLIANCE&lockDays=365', { mode: 'COMPLIANCE', days: 365 }],
  ])('%s', (query, expected) => expect(parse(query)).toEqual(expected));
  test.each([
    ['lockDays=30', /without objectLock/],
    ['objectLock=governance', /without lockDays/],
    ['objectLock=legal&lockDays=3', /neither governance nor compliance/],
    ['objectLock=governance&lockDays=0', /not a whole number of days/],
    ['objectLock=governance&lockDays=1.5', /not a whole number of days/],
    ['objectLock=governance&lockDays=36501', /from 1 to 36500/],
  ])('%s is a usage error', (query, message) => {
    const err = (() => {
      try {
        return parse(query);
      } catch (e) {
        return e as MmBackupError;
      }
    })() as MmBackupError;
    expect(err).toBeInstanceOf(MmBackupError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(message);
  });
});


test('every saved object carries the mode and a retain-until date lockDays ahead; locks and probes do not', async () => {
  const { destination, prefix } = open('locked', 'objectLock=compliance&lockDays=30');
  await destination.checkImmutability!();
  const before = Date.now();
  await destination.save('data/ab/pack', randomBytes(100_000));
  await destination.save('snapshots/0123456789abcdef', Buffer.from('manifest'));
  await destination.save('locks/mine', Buffer.from('{}'), { exclusive: true });
  await destination.save('preflight/probe', randomBytes(64));
  for (const name of ['data/ab/pack', 'snapshots/0123456789abcdef']) {
    const kept = (await retention('locked', `${prefix}/${name}`))!;
    expect(kept.mode).toBe('COMPLIANCE');
    expect(kept.until!.getTime()).toBeGreaterThanOrEqual(before + 30 * DAY_MS - 1000);
    expect(kept.until!.getTime()).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS + 1000);
  }
  for (const name of ['locks/mine', 'preflight/probe']) expect(await retention('locked', `${prefix}/${name}`)).toBeUndefined();
  // A locked PUT carries Content-MD5 (S3 requires it or a checksum) and its body is not aws-chunked framing.
  const locked = puts().find((r) => r.path.includes('data/ab/pack'))!;
  expect(locked.headers['content-md5']).toBeDefined();
  expect(locked.headers['content-encoding']).toBeUndefined();
  expect((await client.send(new HeadObjectCommand({ Bucket: 'locked', Key: `${prefix}/data/ab/pack` }))).ContentLength).toBe(100_000);
  // A pack comes as parts with the CRC-32 its worker computed: it goes instead of Content-MD5, named, unframed.
  const parts = [randomBytes(40_000), randomBytes(60_000)];
  await destination.save('data/cd/pack', parts, { crc32: crc32(Buffer.concat(parts)) });
  const packPut = puts().find((r) => r.path.includes('data/cd/pack'))!;
  expect(packPut.headers['x-amz-checksum-crc32']).toBeDefined();
  expect(packPut.headers['x-amz-sdk-checksum-algorithm']).toBe('CRC32');
  expect(packPut.headers['content-md5']).toBeUndefined();
  expect(packPut.headers['content-encoding']).toBeUndefined();
  expect((await retention('locked', `${prefix}/data/cd/pack`))!.mode).toBe('COMPLIANCE');
  expect(await destination.load('data/cd/pack')).toEqual(Buffer.concat(parts));
  // Locks and probes are removed at once, as they must be.
  await destination.remove('locks/mine');
  await destination.remove('preflight/probe');
  expect(await exists('locked', `${prefix}/locks/mine`)).toBe(false);
});

test('a multipart upload under a retention carries a CRC32 with each part and is locked whole', async () => {
  const { destination, prefix } = open('locked', 'objectLock=governance&lockDays=1');
  const data = randomBytes(SINGLE_PUT_MAX + 1);
  await destination.save('data/ef/large', data);
  const parts = puts().filter((r) => r.path.includes('data/ef/large') && /partNumber=/.test(r.path));
  expect(parts.length).toBeGreaterThan(1);
  for (const part of parts) {
    expect(part.headers['x-amz-checksum-crc32']).toBeDefined();
    expect(part.headers['content-encoding']).toBeUndefined();
  }
  expect((await retention('locked', `${prefix}/data/ef/large`))!.mode).toBe('GOVERNANCE');
  expect((await destination.load('data/ef/large')).equals(data)).toBe(true);
});

test('retainedUntil: the date while held; undefined once expired, for unlocked and for missing objects', async () => {
  const { destination, prefix } = open('locked');
  await destination.save('data/cd/x', Buffer.from('x'));
  expect((await destination.retainedUntil!('data/cd/x'))!.getTime()).toBeGreaterThan(Date.now() + 29 * DAY_MS);
  await expire('locked', [`${prefix}/data/cd/x`]);
  expect(await destination.retainedUntil!('data/cd/x')).toBeUndefined();
  expect(await destination.retainedUntil!('data/cd/missing')).toBeUndefined();
  await destination.save('locks/l', Buffer.from('l'));
  expect(await destination.retainedUntil!('locks/l')).toBeUndefined();
});

test('no objectLock in the URL: nothing is checked and nothing locked', async () => {
  const { destination, prefix } = open('plain', '');
  await destination.checkImmutability!();
  expect(proxy.requests).toEqual([]);
  await destination.save('data/ef/y', Buffer.from('y'));
  expect(await retention('plain', `${prefix}/data/ef/y`)).toBeUndefined();
});

describe('a bucket without Object Lock, asked for immutability', () => {
  function expectRefusal(err: unknown, why: RegExp) {
    expect(err).toBeInstanceOf(MmBackupError);
    const e = err as MmBackupError;
    expect(e.code).toBe('S3_OBJECT_LOCK_UNAVAILABLE');
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(why);
    expect(e.message).toMatch(/cannot keep them immutable; nothing was written/);
    expect(e.fix).toMatch(/create a new bucket with Object Lock enabled.*only be enabled when the bucket is created/);
  }

  test('init refuses before writing anything', async () => {
    const passphraseFile = await passphraseFileIn(os.tmpdir());
    const saved = { ...process.env };
    Object.assign(process.env, ENV);
    try {
      const err = await initCommand({ repo: repoUrl('plain', 'init-refused', 'objectLock=governance&lockDays=7'), passphraseFile }).catch((e) => e);
      expectRefusal(err, /the bucket "plain" .* has no Object Lock configuration/);
    } finally {
      process.env = saved;
      await fs.rm(path.dirname(passphraseFile), { recursive: true, force: true });
    }
    expect(puts()).toEqual([]);
    expect(await keys('plain', 'init-refused/')).toEqual([]);
  });

  test('preflight refuses before its probe or any backup object is written', async () => {
    // A repository made without objectLock, then opened with it: as an admin adding it to the URL later.
    const { destination: unlocked, prefix } = open('plain', '');
    await Repository.init(unlocked, secret);
    const s3 = new S3Destination(parseS3Url(repoUrl('plain', prefix, 'objectLock=governance&lockDays=7'), ENV));
    const repository = await Repository.open(withRetries(s3), secret);
    proxy.requests.length = 0;
    const err = await preflight(repository, {} as MattermostInstallation, [], [], silentWarnings([])).catch((e) => e);
    expectRefusal(err, /has no Object Lock configuration/);
    expect(puts()).toEqual([]);
    expect(proxy.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /plain/?object-lock=']);
  });
});

describe('prune and Object Lock', () => {
  test('format 1: held objects and manifests are left and reported; once expired, a later prune reclaims them', async () => {
    const { destination, prefix } = open('locked');
    const repository = await Repository.init(destination, secret, { formatVersion: 1 });
    const older = await emptySnapshot(repository, 2);
    const newer = await emptySnapshot(repository, 1);
    const stats = newWriteStats();
    const [held] = (await writeBufferBlob(repository, randomBytes(4000), stats)).chunks;
    const [expired] = (await writeBufferBlob(repository, randomBytes(4000), stats)).chunks;
    const key = (id: string) => `${prefix}/objects/${id.slice(0, 2)}/${id}`;
    await expire('locked', [key(expired)]);
    proxy.requests.length = 0;

    const warnings: string[] = [];
    const report = await runPrune(repository, { last: 1 }, { reporter: silentWarnings(warnings) });
    expect(report.removed).toEqual([]);
    expect(report.savedBySafety).toEqual([{ id: older.id, rules: [expect.stringMatching(/^its manifest is held by Object Lock until \d{4}-/)], policyReason: expect.any(String) }]);
    expect(report.objects.reclaimed).toBe(1);
    expect(report.heldByObjectLock).toMatchObject({ objects: 1, bytes: expect.any(Number) });
    expect(warnings).toContainEqual(expect.stringMatching(/^1 object\(s\) \(.* MiB\) held by Object Lock until \d{4}-\d\d-\d\d were left in place; a later prune will reclaim them$/));
    expect((await exists('locked', key(held))) && !(await exists('locked', key(expired)))).toBe(true);
    // No delete was even tried on what is held; the prune's own lock was released.
    const deletes = proxy.requests.filter((r) => r.method === 'DELETE' || r.path.includes('?delete')).map((r) => r.path);
    expect(deletes.some((p) => p.includes(held) || p.includes(older.id))).toBe(false);
    expect(await keys('locked', `${prefix}/locks/`)).toEqual([]);

    await expire('locked', [key(held), `${prefix}/snapshots/${older.id}`, `${prefix}/snapshots/${newer.id}`]);
    const later = await runPrune(repository, { last: 1 }, { reporter: silentWarnings([]) });
    expect(later.removed.map((r) => r.id)).toEqual([older.id]);
    expect(later.heldByObjectLock.objects).toBe(0);
    expect((await exists('locked', key(held))) || (await exists('locked', `${prefix}/snapshots/${older.id}`))).toBe(false);
    expect(await exists('locked', `${prefix}/snapshots/${newer.id}`)).toBe(true);
  });

  test('format 2: a held pack is neither deleted nor repacked; held index files stay but are superseded; later all is reclaimed', async () => {
    const { destination, prefix } = open('locked');
    const repository = await Repository.init(destination, secret);
    const older = await emptySnapshot(repository, 2);
    const newer = await emptySnapshot(repository, 1);
    const packOf = async (data: Buffer) => {
      const [id] = (await writeBufferBlob(repository, data, newWriteStats())).chunks;
      await repository.flush();
      return `${prefix}/${packName((repository.blobs as PackedBlobs).index.lookup(id)!.packId)}`;
    };
    const held = await packOf(randomBytes(4000));
    const expired = await packOf(randomBytes(4000));
    await expire('locked', [expired]);
    const indexFiles = async () => (await keys('locked', `${prefix}/index/`)).map((n) => n);
    const oldIndexes = await indexFiles();
    expect(oldIndexes).toHaveLength(2);

    const report = await runPrune(repository, { last: 1 }, { reporter: silentWarnings([]) });
    expect(report.removed).toEqual([]); // the older manifest is held
    expect(report.objects.reclaimed).toBe(1);
    expect(report.heldByObjectLock.objects).toBe(1 + 2); // the held pack and both old index files
    expect((await exists('locked', held)) && !(await exists('locked', expired))).toBe(true);
    // The old index files are still there (held) but superseded: a reader does not see the held pack any more.
    expect(await indexFiles()).toEqual(expect.arrayContaining(oldIndexes));
    const reader = await Repository.open(destination, secret);
    await reader.refreshIndex();
    expect((reader.blobs as PackedBlobs).index.packCount).toBe(0);

    const everything = (await keys('locked', `${prefix}/`)).filter((k) => !k.includes('/locks/'));
    await expire('locked', everything);
    const later = await runPrune(repository, { last: 1 }, { reporter: silentWarnings([]) });
    expect(later.removed.map((r) => r.id)).toEqual([older.id]);
    expect(later.heldByObjectLock.objects).toBe(0);
    expect(await exists('locked', held)).toBe(false);
    expect((await indexFiles()).filter((k) => oldIndexes.includes(k))).toEqual([]);
    expect(await exists('locked', `${prefix}/snapshots/${newer.id}`)).toBe(true);
  });
});

function silentWarnings(warnings: string[]): Reporter {
  return { stepStarted() {}, bytes() {}, info() {}, warn: (line) => void warnings.push(line), stepFinished() {} };
}

async function passphraseFileIn(dir: string): Promise<string> {
  const file = path.join(await fs.mkdtemp(path.join(dir, 'mmbackup-objectlock-')), 'passphrase');
  await fs.writeFile(file, 'object lock test passphrase\n');
  return file;
}

/** A manifest with no components: enough for retention, which looks at times and ids. */
async function emptySnapshot(repository: Repository, daysAgo: number): Promise<SnapshotManifest> {
  const at = new Date(Date.now() - daysAgo * DAY_MS).toISOString();
  const manifest: SnapshotManifest = {
    formatVersion: 1,
    id: newSnapshotId(),
    startedAt: at,
    finishedAt: at,
    durationMs: 1,
    host: 'test',
    tags: [],
    tool: { name: 'mmbackup', version: 'test' },
    mattermost: { configSource: 'file', configLocation: '/x/config.json', installDir: '/x', database: { driver: 'postgres', name: 'mm' } },
    components: {},
    totals: { size: 0, bytesWritten: 0, chunksNew: 0, chunksReused: 0 },
  };
  await saveSnapshot(repository, manifest);
  return manifest;
}
