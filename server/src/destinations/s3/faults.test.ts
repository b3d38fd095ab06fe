/**
 * withRetries(S3Destination) against MinIO behind a fault-injecting proxy: transient faults (503 SlowDown,
 * a connection cut mid-upload, slow or lost answers) are retried and the data arrives byte-exact;
 * permanent ones (403) fail on the first request with a message that names the bucket and the fix.
 */
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MmBackupError } from '../../common/errors';
import { startS3Server, type S3TestServer } from '../../../test/support/s3';
import type { Destination } from '../destination';
import { withRetries } from '../retry';
import { startFaultProxy, type FaultProxy } from './fault-proxy.testkit';
import { S3Destination } from './s3';
import { parseS3Url } from './url';

let server: S3TestServer;
let proxy: FaultProxy;
let prefixes = 0;

beforeAll(async () => {
  server = await startS3Server();
  await server.bucket('faults');
  proxy = await startFaultProxy(server.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
});
beforeEach(() => {
  proxy.clear();
  proxy.requests.length = 0;
});

function open(socketTimeoutMs = 5000) {
  const prefix = `run-${++prefixes}`;
  const retries: string[] = [];
  const s3 = new S3Destination(parseS3Url(server.repoUrl('faults', prefix, proxy.endpoint), server.env()), { socketTimeoutMs });
  const destination = withRetries(s3, { attempts: 3, baseDelayMs: 20, maxDelayMs: 50, onRetry: (line) => retries.push(line) });
  return { destination, retries, prefix };
}

/** What the server itself holds, read around the proxy. */
async function storedBytes(key: string): Promise<Buffer> {
  const client = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
  const output = await client.send(new GetObjectCommand({ Bucket: 'faults', Key: key }));
  return Buffer.from(await output.Body!.transformToByteArray());
}

const puts = () => proxy.requests.filter((r) => r.method === 'PUT').length;

async function expectSavedExactly(destination: Destination, prefix: string, name: string, data: Buffer) {
  await destination.save(name, data);
  expect((await storedBytes(`${prefix}/${name}`)).equals(data)).toBe(true);
  expect((await destination.load(name)).equals(data)).toBe(true);
}

describe('transient faults are retried', () => {
  test('503 SlowDown once for the next PUT', async () => {
    const { destination, retries, prefix } = open();
    proxy.inject({ method: 'PUT', status: 503, code: 'SlowDown' });
    await expectSavedExactly(destination, prefix, 'objects/aa/one', randomBytes(200_000));
    expect(puts()).toBe(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/^save "objects\/aa\/one" in s3:\/\/faults\/run-\d+ \(127\.0\.0\.1:\d+\) failed: SlowDown, HTTP 503: .*; retrying in 0\.0 s \(attempt 2 of 3\)$/);
  });

  test('the connection cut half-way through a PUT body', async () => {
    const { destination, retries, prefix } = open();
    proxy.inject({ method: 'PUT', cutBodyAfter: 1_000_000 });
    await expectSavedExactly(destination, prefix, 'objects/bb/two', randomBytes(3 * 1024 * 1024));
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/socket hang up|ECONNRESET|EPIPE|aborted/i);
  });

  test('one part of a multipart upload refused with 503: the whole object is sent again', async () => {
    const { destination, retries, prefix } = open();
    proxy.inject({ method: 'PUT', path: /partNumber=2/, status: 503, code: 'ServiceUnavailable' });
    await expectSavedExactly(destination, prefix, 'snapshots/big', randomBytes(22 * 1024 * 1024));
    expect(retries).toHaveLength(1);
    expect(proxy.requests.some((r) => r.method === 'DELETE' && /uploadId=/.test(r.path))).toBe(true); // the failed upload was aborted
  });

  test('a download cut half-way is read again', async () => {
    const { destination, retries, prefix } = open();
    const data = randomBytes(2 * 1024 * 1024);
    await expectSavedExactly(destination, prefix, 'objects/ee/five', data);
    proxy.inject({ method: 'GET', cutResponseAfter: 500_000 });
    expect((await destination.load('objects/ee/five')).equals(data)).toBe(true);
    expect(retries).toHaveLength(1);
  });

  test('a slow answer within the timeout is waited for; one past it is retried', async () => {
    const { destination, retries } = open(400);
    await destination.save('config', Buffer.from('slow'));
    proxy.inject({ method: 'GET', delayMs: 250 });
    const started = Date.now();
    expect((await destination.load('config')).toString()).toBe('slow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(retries).toEqual([]);
    proxy.inject({ method: 'GET', delayMs: 1000 });
    expect((await destination.load('config')).toString()).toBe('slow');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/timed out after 400 ms/);
  });

  test('500 on a GET and a lost answer to a lock write', async () => {
    const { destination, retries } = open();
    await destination.save('keys/k', Buffer.from('key'));
    proxy.inject({ method: 'GET', status: 500, code: 'InternalError' });
    expect((await destination.load('keys/k')).toString()).toBe('key');
    // The lock lands but its answer never comes: the retry finds our own bytes there and succeeds.
    proxy.inject({ method: 'PUT', dropResponse: true });
    await destination.save('locks/mine', Buffer.from('{"pid":1}'), { exclusive: true });
    expect((await destination.load('locks/mine')).toString()).toBe('{"pid":1}');
    expect(retries).toHaveLength(2);
  });
});

describe('exclusive saves on services with and without conditional writes', () => {
  test('If-None-Match refused with 501: the plain PUT is used, then and for later locks', async () => {
    const { destination, retries } = open();
    proxy.inject({ method: 'PUT', status: 501, code: 'NotImplemented' });
    await destination.save('locks/a', Buffer.from('a'), { exclusive: true });
    await destination.save('locks/b', Buffer.from('b'), { exclusive: true });
    const lockPuts = proxy.requests.filter((r) => r.method === 'PUT').map((r) => r.headers['if-none-match']);
    expect(lockPuts).toEqual(['*', undefined, undefined]);
    expect((await destination.load('locks/a')).toString()).toBe('a');
    expect(retries).toEqual([]);
  });

  test('412 PreconditionFailed (another writer got there between HEAD and PUT) is "already exists"', async () => {
    const { destination, retries } = open();
    proxy.inject({ method: 'PUT', status: 412, code: 'PreconditionFailed' });
    const err = await destination.save('locks/raced', Buffer.from('x'), { exclusive: true }).catch((e) => e);
    expect(destination.isAlreadyExists(err)).toBe(true);
    expect(retries).toEqual([]);
  });
});

describe('failures that are not retried', () => {
  test('403 always: one request, then a clear error', async () => {
    const { destination, retries } = open();
    proxy.inject({ status: 403, code: 'AccessDenied', times: Infinity });
    const err = await destination.save('objects/cc/three', randomBytes(1000)).catch((e) => e);
    expect(proxy.requests).toHaveLength(1);
    expect(retries).toEqual([]);
    expect(err).toBeInstanceOf(MmBackupError);
    expect(err.code).toBe('S3_ACCESS_DENIED');
    expect(err.message).toContain('access denied to the bucket "faults"');
    expect(err.fix).toContain('bucket policy');
    expect(err.describe()).not.toContain(server.secretAccessKey);
  });

  test('503 every time: gives up after the attempts, saying so', async () => {
    const { destination, retries } = open();
    proxy.inject({ method: 'GET', status: 503, code: 'SlowDown', times: Infinity });
    const err = await destination.load('config').catch((e) => e);
    expect(retries).toHaveLength(2);
    expect(err.message).toMatch(/SlowDown.*gave up after 3 attempts/);
  });

  test('a stored size other than the bytes sent (as the aws-chunked trap gives) fails the save and removes the object', async () => {
    const { destination, retries } = open();
    // Altered bytes: the ETag is not the MD5 sent, so the size is read back, and it is not the size sent.
    proxy.inject({ method: 'PUT', etag: '0123456789abcdef0123456789abcdef' });
    proxy.inject({ method: 'HEAD', lengthDelta: 45 });
    const err = await destination.save('objects/dd/four', randomBytes(10_000)).catch((e) => e);
    expect(err.code).toBe('S3_SIZE_MISMATCH');
    expect(err.message).toMatch(/stored with 10045 bytes but 10000 were sent/);
    expect(retries).toEqual([]);
    expect(destination.isNotFound(await destination.stat('objects/dd/four').catch((e) => e))).toBe(true);
  });

  test('an MD5 the caller computed goes as Content-MD5: right, one PUT and no HEAD; wrong, the service refuses it and nothing is stored', async () => {
    const { destination, retries } = open();
    const data = randomBytes(10_000);
    const md5 = createHash('md5').update(data).digest('hex');
    await destination.save('objects/dd/six', data, { md5 });
    expect(proxy.requests.map((r) => r.method)).toEqual(['PUT']);
    expect(proxy.requests[0].headers['content-md5']).toBe(Buffer.from(md5, 'hex').toString('base64'));
    expect(proxy.requests[0].headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD'); // no SHA-256 pass on the main thread
    const err = await destination.save('objects/dd/seven', data, { md5: '0123456789abcdef0123456789abcdef' }).catch((e) => e);
    expect(err.message).toMatch(/BadDigest.*gave up after 3 attempts/);
    expect(retries).toHaveLength(2);
    expect(destination.isNotFound(await destination.stat('objects/dd/seven').catch((e) => e))).toBe(true);
  });

  test('a CRC-32 the caller computed goes as x-amz-checksum-crc32: echoed, one PUT and no HEAD; wrong, the service refuses it and nothing is stored', async () => {
    const { destination, retries } = open();
    expect(destination.checksWith).toBe('crc32'); // the wrappers say so too, so packs bring their CRC-32
    const data = randomBytes(10_000);
    await destination.save('objects/dd/crc', [data.subarray(0, 3000), data.subarray(3000)], { crc32: crc32(data) });
    expect(proxy.requests.map((r) => r.method)).toEqual(['PUT']);
    expect(proxy.requests[0].headers['x-amz-checksum-crc32']).toBeDefined();
    expect(proxy.requests[0].headers['content-md5']).toBeUndefined(); // no MD5 pass over the bytes
    expect(await destination.load('objects/dd/crc')).toEqual(data);
    const err = await destination.save('objects/dd/crc-wrong', data, { crc32: (crc32(data) + 1) >>> 0 }).catch((e) => e);
    expect(err.message).toMatch(/XAmzContentChecksumMismatch|BadDigest/);
    expect(retries).toHaveLength(2); // bytes changed on the way are worth another attempt
    expect(destination.isNotFound(await destination.stat('objects/dd/crc-wrong').catch((e) => e))).toBe(true);
  });

  test('a body byte changed on the way under a CRC-32: the service refuses the PUT and the retry stores the exact bytes', async () => {
    const { destination, retries, prefix } = open();
    const data = randomBytes(10_000);
    proxy.inject({ method: 'PUT', flipByteAt: 5_000 });
    await destination.save('objects/dd/crc-flip', data, { crc32: crc32(data) });
    expect(puts()).toBe(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/XAmzContentChecksumMismatch|BadDigest/);
    expect((await storedBytes(`${prefix}/objects/dd/crc-flip`)).equals(data)).toBe(true);
  });

  test('a service that does not echo the CRC-32 gets the object again with Content-MD5, and MD5 from then on', async () => {
    const { destination } = open();
    const data = randomBytes(10_000);
    proxy.inject({ method: 'PUT', dropHeader: 'x-amz-checksum-crc32' });
    await destination.save('objects/dd/no-echo', data, { crc32: crc32(data) });
    expect(proxy.requests.map((r) => r.method)).toEqual(['PUT', 'PUT']);
    expect(proxy.requests[1].headers['content-md5']).toBe(createHash('md5').update(data).digest('base64'));
    expect(destination.checksWith).toBe('md5');
    expect(await destination.load('objects/dd/no-echo')).toEqual(data);
  });

  test('a service that refuses the CRC-32 (400) gets the object again with Content-MD5, and MD5 from then on', async () => {
    const { destination, retries } = open();
    const data = randomBytes(10_000);
    proxy.inject({ method: 'PUT', status: 400, code: 'InvalidRequest' });
    await destination.save('objects/dd/refused', data, { crc32: crc32(data) });
    expect(proxy.requests.map((r) => r.method)).toEqual(['PUT', 'PUT']);
    expect(proxy.requests[1].headers['content-md5']).toBe(createHash('md5').update(data).digest('base64'));
    expect(retries).toEqual([]);
    expect(destination.checksWith).toBe('md5');
    expect(await destination.load('objects/dd/refused')).toEqual(data);
  });

  test('a body byte changed on the way: the service refuses the PUT by its Content-MD5 and the retry stores the exact bytes', async () => {
    const { destination, retries, prefix } = open();
    proxy.inject({ method: 'PUT', flipByteAt: 5_000 });
    await expectSavedExactly(destination, prefix, 'objects/dd/eight', randomBytes(10_000));
    expect(puts()).toBe(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/BadDigest/);
  });

  test('an ETag that is not the MD5 (SSE-KMS) with the right stored size is a good save', async () => {
    const { destination } = open();
    const data = randomBytes(10_000);
    proxy.inject({ method: 'PUT', etag: '0123456789abcdef0123456789abcdef' });
    await destination.save('objects/dd/five', data);
    expect(await destination.load('objects/dd/five')).toEqual(data);
  });
});
