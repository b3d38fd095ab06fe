/**
 * "A snapshot is never written after a failed upload", end to end: real backups by the built CLI into an
 * s3:// repository on MinIO, through the fault proxy (../src/destinations/s3/fault-proxy.testkit.ts).
 * - Uploads refused for good (403) after a few objects: the backup fails with the bucket and the fix named,
 *   and the bucket itself, listed around the proxy and mmbackup, holds no manifest of that run; the
 *   earlier snapshot is byte for byte as it was and still verifies.
 * - One upload refused with 503: retried, said so, and the snapshot verifies with --read-data.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from '../src/destinations/s3/fault-proxy.testkit';
import { requireBuild, runCli } from './support/cli';
import { createInstallation, type TestInstallation } from './support/installation';
import { startS3Server, type S3TestServer } from './support/s3';

const BUCKET = 'fault-backups';
let s3: S3TestServer;
let proxy: FaultProxy;
let inst: TestInstallation;
let args: string[];
let client: S3Client;
let firstSnapshot: string;

/** Matches object uploads only after the first `n` of them: "the upload fails after N objects". */
class AfterN extends RegExp {
  private seen = 0;
  constructor(
    pattern: RegExp,
    private readonly n: number,
  ) {
    super(pattern.source, pattern.flags);
  }
  override test(text: string): boolean {
    return super.test(text) && ++this.seen > this.n;
  }
}

beforeAll(async () => {
  requireBuild();
  s3 = await startS3Server();
  await s3.bucket(BUCKET);
  proxy = await startFaultProxy(s3.endpoint);
  inst = await createInstallation('postgres', { posts: 60 });
  args = inst.args.map((a) => (a === inst.repo ? s3.repoUrl(BUCKET, 'prod', proxy.endpoint) : a));
  // Straight to MinIO, around the proxy and mmbackup: what the bucket really holds.
  client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  expect((await runCli([...args, 'init'], s3.env())).code).toBe(0);
  const first = await runCli([...args, '--json', 'backup'], s3.env());
  expect(first.code).toBe(0);
  firstSnapshot = first.json().snapshot.id;
}, 120_000);
afterAll(async () => {
  await inst?.cleanup();
  await proxy?.stop();
  await s3?.stop();
});
beforeEach(() => proxy.clear());

/** New files in the file store, so that the next backup must upload new objects. */
async function addFiles(tag: string, count: number): Promise<void> {
  const dir = path.join(inst.dataDir, `new-${tag}`);
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) await fs.writeFile(path.join(dir, `upload-${i}.bin`), randomBytes(1024 * 1024));
}

/** Every manifest in the bucket, key -> bytes. */
async function manifests(): Promise<Map<string, Buffer>> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'prod/snapshots/' }));
  const result = new Map<string, Buffer>();
  for (const { Key } of page.Contents ?? []) {
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: Key! }));
    result.set(Key!, Buffer.from(await object.Body!.transformToByteArray()));
  }
  return result;
}

test('uploads refused for good after 2 objects: the backup fails clearly and writes no snapshot', async () => {
  const before = await manifests();
  expect([...before.keys()]).toEqual([`prod/snapshots/${firstSnapshot}`]);
  await addFiles('refused', 24); // three packs of 8 MiB and more: the third is refused
  proxy.inject({ method: 'PUT', path: new AfterN(/\/prod\/data\//, 2), status: 403, code: 'AccessDenied', times: Infinity });
  const sent = proxy.requests.length;

  const backup = await runCli([...args, 'backup'], s3.env());
  expect(backup.code).toBe(2);
  expect(backup.stderr).toMatch(/access denied to the bucket "fault-backups" \(save "data\/[0-9a-f]{2}\/[0-9a-f]{64}"/);
  expect(backup.stderr).toContain('s3:PutObject');
  expect(backup.stderr).not.toMatch(/retrying/);

  const run = proxy.requests.slice(sent);
  expect(run.filter((r) => r.method === 'PUT' && /\/prod\/data\//.test(r.path)).length).toBeGreaterThan(2); // the fault was reached
  expect(run.filter((r) => r.method === 'PUT' && /\/prod\/snapshots\//.test(r.path))).toEqual([]);
  proxy.clear();
  // The bucket holds exactly the manifests it held before, unchanged; the lock was released.
  expect(await manifests()).toEqual(before);
  const locks = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'prod/locks/' }));
  expect(locks.KeyCount ?? 0).toBe(0);
  const verify = await runCli([...args, '--json', 'verify', firstSnapshot, '--read-data'], s3.env());
  expect(verify.code).toBe(0);
  expect(verify.json().problems).toEqual([]);
}, 120_000);

test('an upload refused once with 503: retried, and the snapshot verifies with --read-data', async () => {
  await addFiles('transient', 3);
  proxy.inject({ method: 'PUT', path: /\/prod\/data\//, status: 503, code: 'SlowDown' });
  const backup = await runCli([...args, '--json', 'backup'], s3.env());
  expect(backup.code).toBe(0);
  expect(backup.stderr).toMatch(/SlowDown, HTTP 503.*retrying in/);
  const id = backup.json().snapshot.id;
  expect([...(await manifests()).keys()].sort()).toEqual([`prod/snapshots/${firstSnapshot}`, `prod/snapshots/${id}`].sort());
  const verify = await runCli([...args, '--json', 'verify', id, '--read-data'], s3.env());
  expect(verify.code).toBe(0);
  expect(verify.json().problems).toEqual([]);
}, 120_000);
