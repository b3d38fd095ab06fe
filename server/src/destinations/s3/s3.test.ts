/**
 * S3Destination against MinIO on 127.0.0.1 (see test/support/s3.ts): the shared Destination contract,
 * then what only S3 has - byte-exact storage checked with a client of its own, ranges, pagination past
 * 1,000 keys, and permanent errors that fail at once with a message naming the bucket and no secret.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MmBackupError } from '../../common/errors';
import { startS3Server, type S3TestServer } from '../../../test/support/s3';
import { describeDestination } from '../contract.testkit';
import type { Destination } from '../destination';
import { withRetries } from '../retry';
import { S3Destination } from './s3';
import { parseS3Url } from './url';

let server: S3TestServer;
let counter = 0;

beforeAll(async () => {
  server = await startS3Server();
  await server.bucket('contract');
  await server.bucket('specific');
});
afterAll(async () => server?.stop());

function destination(bucket: string, prefix: string, env = server.env()): S3Destination {
  return new S3Destination(parseS3Url(server.repoUrl(bucket, prefix), env));
}

function rawClient(): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
}

describeDestination('s3', async () => ({ destination: destination('contract', `run-${++counter}/repo`), cleanup: async () => {} }));

describe('S3Destination on MinIO', () => {
  test('stores exactly the bytes sent, as seen by another client (no checksum framing), one PUT and multipart', async () => {
    const repo = destination('specific', 'exact');
    const client = rawClient();
    for (const size of [0, 1, 3 * 1024 * 1024 + 17, 11 * 1024 * 1024 + 5, 21 * 1024 * 1024 + 5]) {
      const data = randomBytes(size);
      await repo.save(`objects/${size}`, data);
      const raw = await client.send(new GetObjectCommand({ Bucket: 'specific', Key: `exact/objects/${size}` }));
      const stored = Buffer.from(await raw.Body!.transformToByteArray());
      expect(raw.ContentLength).toBe(size);
      expect(stored.length).toBe(size);
      expect(stored.equals(data)).toBe(true);
      expect((await repo.load(`objects/${size}`)).equals(data)).toBe(true);
    }
  });

  test('ranged loads: inside, running past the end, starting past the end', async () => {
    const repo = destination('specific', 'ranges');
    const data = randomBytes(100_000);
    await repo.save('objects/r', data);
    expect((await repo.load('objects/r', { offset: 12_345, length: 6789 })).equals(data.subarray(12_345, 12_345 + 6789))).toBe(true);
    expect((await repo.load('objects/r', { offset: 99_990, length: 100 })).equals(data.subarray(99_990))).toBe(true);
    expect((await repo.load('objects/r', { offset: 200_000, length: 10 })).length).toBe(0);
    expect((await repo.load('objects/r', { offset: 5, length: 0 })).length).toBe(0);
    expect(repo.isNotFound(await repo.load('objects/none', { offset: 0, length: 10 }).catch((e) => e))).toBe(true);
  });

  test('list pages through more than 1,000 keys, strips the prefix, and never strays into a sibling prefix', async () => {
    const repo = destination('specific', 'many');
    const names = Array.from({ length: 1003 }, (_, i) => `objects/${String(i % 256).padStart(2, '0')}/${i}`);
    // Seeded with 16 PUTs at a time: this test is about listing.
    await server.seed('specific', names.map((n) => [`many/${n}`, Buffer.from(n)]));
    await destination('specific', 'many-other').save('objects/00/stray', Buffer.from('x'));
    await repo.save('objectsx/not-a-child', Buffer.from('x'));
    const listed: string[] = [];
    for await (const o of repo.list('objects/')) {
      listed.push(o.name);
      expect(o.size).toBe(Buffer.byteLength(o.name));
    }
    expect(listed.sort()).toEqual([...names].sort());
  });

  test('the location names bucket, prefix and endpoint host, and nothing secret', () => {
    const repo = destination('specific', 'some/prefix');
    expect(repo.location).toBe(`s3://specific/some/prefix (${new URL(server.endpoint).host})`);
    expect(repo.location).not.toContain(server.secretAccessKey);
  });
});

describe('permanent S3 errors fail at once', () => {
  async function failure(repo: Destination, run: (d: Destination) => Promise<unknown>) {
    const retries: string[] = [];
    const wrapped = withRetries(repo, { baseDelayMs: 1, onRetry: (line) => retries.push(line) });
    const started = Date.now();
    const err = await run(wrapped).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(MmBackupError);
    expect(retries).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(wrapped.isPermanent(err)).toBe(true);
    const text = `${(err as MmBackupError).describe()} ${JSON.stringify(err)}`;
    expect(text).not.toContain(server.secretAccessKey);
    return err as MmBackupError;
  }

  test('a missing bucket: named, with the fix', async () => {
    const repo = destination('no-such-bucket-here', 'repo');
    for (const run of [(d: Destination) => d.save('config', Buffer.from('x')), (d: Destination) => d.load('config'), (d: Destination) => d.list('keys/')[Symbol.asyncIterator]().next()]) {
      const err = await failure(repo, run);
      expect(err.code).toBe('S3_NO_SUCH_BUCKET');
      expect(err.step).toBe('repository-s3');
      expect(err.message).toContain('"no-such-bucket-here"');
      expect(err.fix).toContain('create the bucket');
      expect(err.exitCode).toBe(2);
    }
  });

  test('a wrong secret key: refused, named, with the fix, and the secret shown nowhere', async () => {
    const wrongSecret = `wrong-${randomBytes(12).toString('hex')}`;
    const repo = destination('specific', 'creds', { MMBACKUP_S3_ACCESS_KEY_ID: server.accessKeyId, MMBACKUP_S3_SECRET_ACCESS_KEY: wrongSecret });
    for (const run of [(d: Destination) => d.save('config', Buffer.from('x')), (d: Destination) => d.load('config'), (d: Destination) => d.stat('config')]) {
      const err = await failure(repo, run);
      expect(['S3_BAD_CREDENTIALS', 'S3_ACCESS_DENIED']).toContain(err.code);
      expect(err.message).toContain('"specific"');
      expect(err.fix).toContain('MMBACKUP_S3_ACCESS_KEY_ID');
      expect(`${err.describe()}`).not.toContain(wrongSecret);
    }
  });

  test('an unknown access key id is refused the same way', async () => {
    const repo = destination('specific', 'creds', { MMBACKUP_S3_ACCESS_KEY_ID: 'AKIANOSUCHKEY0000000', MMBACKUP_S3_SECRET_ACCESS_KEY: server.secretAccessKey });
    const err = await failure(repo, (d) => d.load('config'));
    expect(err.code).toBe('S3_BAD_CREDENTIALS');
    expect(err.message).toContain('InvalidAccessKeyId');
  });
});
