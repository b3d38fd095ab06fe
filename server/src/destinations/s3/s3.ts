/**
 * A repository under a prefix of an S3 bucket (AWS or any S3-compatible store), keeping the Destination
 * contract (../destination.ts):
 * - save() is one PUT (or one multipart upload, for objects above SINGLE_PUT_MAX): S3 makes an object
 *   visible whole or not at all, so no temporary names are needed. A PUT carries a checksum the service
 *   checks before it stores anything: the CRC-32 a pack's worker computed (x-amz-checksum-crc32, six
 *   times cheaper than MD5), whose echo in the answer says the service checked it; else, or on a service
 *   that does not echo it (which then gets MD5 from there on), the bytes' MD5 as Content-MD5, and the
 *   ETag S3 answers is compared with that MD5 (a single PUT's ETag is the stored bytes' MD5). Where
 *   neither confirms the bytes (multipart uploads, SSE-KMS) the stored size is read back with a HEAD, and
 *   a size that is not the bytes sent removes the object and fails.
 * - exclusive save() is a HEAD, then a PUT with If-None-Match: * where the service supports conditional
 *   writes (AWS since 2024, recent MinIO). Where it answers 501 the plain PUT is used, and some services
 *   (s3rver) ignore the header: the lock protocol lists again after writing, which keeps two writers
 *   apart without it.
 * - With objectLock in the URL, every object but locks and preflight probes is saved under an S3 Object
 *   Lock retention, and checkImmutability() refuses a bucket that cannot keep it (./object-lock.ts).
 * - One attempt per call: retries belong to withRetries() (../retry.ts), which open.ts wraps around this.
 *
 * The S3 client is created on first use, so opening a repository URL stays synchronous and cheap.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ListObjectsV2CommandOutput, PutObjectCommandInput, PutObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { BuildMiddleware } from '@smithy/types';
import { MmBackupError } from '../../common/errors';
import { freeNow } from '../../common/free-now';
import { byteLength, joined, partsOf, type Destination, type ObjectBytes, type SaveChecksum, type SaveOptions, type StoredObject } from '../destination';
import { TransientError } from '../retry';
import { classifyS3Error, isPermanentS3Error, s3Error } from './errors';
import { objectLockParams, requireObjectLock, retentionOf, type BucketTarget } from './object-lock';
import { partSizeFor, SINGLE_PUT_MAX } from './parts';
import { describeS3Location, type S3Location } from './url';
import { s3Sdk, uploadSdk } from './sdk';

export interface S3DestinationOptions {
  /** Multipart upload parts in flight at once, per object (default 4). */
  queueSize?: number;
  /** Give up on a request whose connection stays silent this long (default 60 s); withRetries tries again. */
  socketTimeoutMs?: number;
  /** Give up connecting after this long (default 10 s). */
  connectionTimeoutMs?: number;
}

/** S3 deletes at most 1,000 keys per DeleteObjects request. */
export const DELETE_BATCH = 1000;

type Operation = 'save' | 'load' | 'stat' | 'list' | 'remove';

export class S3Destination implements Destination {
  readonly location: string;
  private client?: S3Client;
  /** Set when a PUT's answer did not echo its CRC-32: the service does not check it, so MD5 is sent instead. */
  private crc32Unchecked = false;
  /** Set when the service answered 501 to If-None-Match: exclusive saves then rely on HEAD alone. */
  private conditionalWritesUnsupported = false;

  constructor(
    private readonly target: S3Location,
    private readonly options: S3DestinationOptions = {},
  ) {
    this.location = describeS3Location(target);
  }

  get bucket(): string {
    return this.target.bucket;
  }

  get checksWith(): SaveChecksum {
    return this.crc32Unchecked ? 'md5' : 'crc32';
  }

  async save(name: string, data: ObjectBytes, options: SaveOptions = {}): Promise<void> {
    const key = this.key(name);
    const size = byteLength(data);
    if (size > SINGLE_PUT_MAX && !options.exclusive) {
      await this.call('save', name, () => this.upload(name, key, joined(data)));
      await this.checkStoredSize(name, size); // a multipart ETag is not an MD5
      return;
    }
    const { crc32 } = options;
    if (crc32 !== undefined && !options.exclusive && !this.crc32Unchecked) {
      if ((await this.putWithCrc32(name, key, data, crc32)) === 'checked') return;
      // The service stored the bytes without checking them, or refused the checksum: they are sent again
      // with Content-MD5, which every S3 service checks, and so is everything after.
      this.crc32Unchecked = true;
    }
    const md5 = options.md5 ?? md5Of(data);
    const etag = options.exclusive ? await this.putExclusive(name, key, joined(data), md5) : (await this.call('save', name, () => this.put(name, key, data, { md5 }, false))).ETag;
    // A single PUT's ETag is the MD5 of what was stored (without SSE-KMS/SSE-C): equal to ours, no HEAD needed.
    if (etag !== undefined && etag.replace(/"/g, '') === md5) return;
    await this.checkStoredSize(name, size);
  }

  async load(name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    if (range && range.length <= 0) {
      await this.stat(name); // an empty range of a missing object is still not found
      return Buffer.alloc(0);
    }
    const Range = range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined;
    try {
      const output = await this.s3().send(new (s3Sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.key(name), Range }));
      const body = await readBody(output.Body as AsyncIterable<Uint8Array> | undefined, output.ContentLength, name);
      if (output.ContentLength !== undefined && body.length !== output.ContentLength) {
        throw new TransientError(`the response for "${name}" ended after ${body.length} of ${output.ContentLength} bytes (connection aborted)`);
      }
      return body;
    } catch (err) {
      // Like a file read past its end: a range starting beyond the object is empty, not an error.
      if (range && (err as { name?: string }).name === 'InvalidRange') return Buffer.alloc(0);
      throw s3Error(err, this.context('load', name));
    }
  }

  async stat(name: string): Promise<StoredObject> {
    const output = await this.call('stat', name, () => this.s3().send(new (s3Sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: this.key(name) })));
    return { name, size: output.ContentLength ?? 0, modified: output.LastModified };
  }

  /** Every object under `prefix`, taken as a directory as LocalDestination does ("objects" = "objects/"). */
  async *list(prefix: string): AsyncIterable<StoredObject> {
    const directory = prefix.replace(/\/+$/, '');
    const Prefix = this.key(directory ? `${directory}/` : '');
    let ContinuationToken: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.call('list', prefix, () =>
        this.s3().send(new (s3Sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix, ContinuationToken })),
      );
      for (const object of page.Contents ?? []) {
        // Keys ending in "/" are "folders" made by S3 consoles, never repository objects.
        if (!object.Key || object.Key.endsWith('/') || !object.Key.startsWith(Prefix)) continue;
        yield { name: object.Key.slice(this.target.prefix.length), size: object.Size ?? 0 };
      }
      ContinuationToken = nextPage(page, this.location);
    } while (ContinuationToken);
  }

  async remove(name: string): Promise<void> {
    try {
      await this.s3().send(new (s3Sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: this.key(name) }));
    } catch (err) {
      if (classifyS3Error(err) !== 'not-found') throw s3Error(err, this.context('remove', name));
    }
  }

  /**
   * DeleteObjects, 1,000 keys a request (S3's limit). Keys reported as not found are fine; any other
   * per-key error fails the call naming the first key and its code.
   */
  async removeMany(names: string[]): Promise<void> {
    for (let i = 0; i < names.length; i += DELETE_BATCH) {
      const batch = names.slice(i, i + DELETE_BATCH);
      const answer = await this.call('remove', `${batch.length} objects from ${batch[0]}`, () =>
        this.s3().send(new (s3Sdk().DeleteObjectsCommand)({ Bucket: this.bucket, Delete: { Objects: batch.map((name) => ({ Key: this.key(name) })), Quiet: true } })),
      );
      const failed = (answer.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw s3Error(Object.assign(new Error(`${failed[0].Code}: ${failed[0].Message}`), { name: failed[0].Code }), this.context('remove', failed[0].Key?.slice(this.target.prefix.length) ?? batch[0]));
      }
    }
  }

  /** Exit 2 before anything is written when the URL asks for Object Lock and the bucket cannot give it. */
  async checkImmutability(): Promise<void> {
    if (this.target.objectLock) await requireObjectLock(this.bucketTarget(), this.target.objectLock);
  }

  /**
   * The end of the Object Lock retention `name` is under, from a HEAD (S3 shows it to callers allowed
   * s3:GetObjectRetention); undefined when none is, or it has passed. Asked whatever the URL says: a
   * bucket's default retention locks objects too.
   */
  retainedUntil(name: string): Promise<Date | undefined> {
    return retentionOf(this.bucketTarget(), this.key(name), name);
  }

  isNotFound(err: unknown): boolean {
    return classifyS3Error(err) === 'not-found';
  }

  isAlreadyExists(err: unknown): boolean {
    return classifyS3Error(err) === 'already-exists';
  }

  isPermanent(err: unknown): boolean {
    return isPermanentS3Error(err);
  }

  private s3(): S3Client {
    this.client ??= createClient(this.target, this.options);
    return this.client;
  }

  private bucketTarget(): BucketTarget {
    return { client: this.s3(), bucket: this.bucket, location: this.location };
  }

  private key(name: string): string {
    if (name.startsWith('/') || name.split('/').some((part) => part === '..' || part === '.')) throw new Error(`invalid object name: ${name}`);
    return this.target.prefix + name;
  }

  private context(operation: Operation, name?: string) {
    return { bucket: this.bucket, location: this.location, operation, name };
  }

  /** Runs one S3 call, turning its failure into an MmBackupError that names the bucket and the fix. */
  private async call<T>(operation: Operation, name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw s3Error(err, this.context(operation, name));
    }
  }

  /**
   * One PUT carrying the data's checksum, which the service checks (BadDigest, XAmzContentChecksumMismatch:
   * bytes changed on the way, tried again) and the signature covers. The payload is therefore sent
   * unsigned: SigV4's payload hash would be one more SHA-256 pass over every byte on this thread, and a
   * pack's checksum comes from the worker that hashed it.
   */
  private async put(name: string, key: string, data: ObjectBytes, checksum: { md5: string } | { crc32: number }, conditional: boolean): Promise<PutObjectCommandOutput> {
    const command = new (s3Sdk().PutObjectCommand)({
      Bucket: this.bucket,
      Key: key,
      // Parts (a pack's blobs) are streamed one after the other, a fresh stream for each attempt.
      Body: Buffer.isBuffer(data) ? data : Readable.from(data),
      ContentLength: byteLength(data),
      // With the algorithm named (x-amz-sdk-checksum-algorithm, which S3 wants under Object Lock) and the
      // value given, the SDK computes nothing and frames nothing: the header goes as it is.
      ...('md5' in checksum ? { ContentMD5: Buffer.from(checksum.md5, 'hex').toString('base64') } : { ChecksumAlgorithm: 'CRC32' as const, ChecksumCRC32: crc32Header(checksum.crc32) }),
      IfNoneMatch: conditional ? '*' : undefined,
      ...objectLockParams(this.target.objectLock, name),
    });
    command.middlewareStack.add(unsignedPayload, { step: 'build', name: 'mmbackupUnsignedPayload' });
    return this.s3().send(command);
  }

  /**
   * A PUT with the CRC-32: 'checked' when the answer echoes it. A service that does not know the header
   * stores the bytes unchecked (no echo); one that wants Content-MD5 (under Object Lock) refuses the
   * request as such (400): both are 'unchecked', and the caller falls back to MD5.
   */
  private async putWithCrc32(name: string, key: string, data: ObjectBytes, crc32: number): Promise<'checked' | 'unchecked'> {
    try {
      const answer = await this.call('save', name, () => this.put(name, key, data, { crc32 }, false));
      return answer.ChecksumCRC32 === crc32Header(crc32) ? 'checked' : 'unchecked';
    } catch (err) {
      if (classifyS3Error(err) === 'rejected') return 'unchecked';
      throw err;
    }
  }

  /** A multipart upload with `queueSize` parts in flight, for objects above SINGLE_PUT_MAX. */
  private async upload(name: string, key: string, data: Buffer): Promise<void> {
    const lock = objectLockParams(this.target.objectLock, name);
    const upload = new (uploadSdk().Upload)({
      client: this.s3(),
      // Under a retention S3 wants a checksum with each part; for a Buffer body the SDK sends it as a
      // header, not aws-chunked framing (which some stores keep as data).
      params: { Bucket: this.bucket, Key: key, Body: data, ContentLength: data.length, ContentType: 'application/octet-stream', ...lock, ...(lock.ObjectLockMode ? { ChecksumAlgorithm: 'CRC32' as const } : {}) },
      queueSize: this.options.queueSize ?? 4,
      partSize: partSizeFor(data.length),
      // lib-storage's own abort replaces the upload's error with the abort's when that fails too: abort
      // here, best effort, and report the failure that matters.
      leavePartsOnError: true,
    });
    try {
      await upload.done();
    } catch (err) {
      if (upload.uploadId) await this.abortUpload(key, upload.uploadId);
      throw err;
    }
  }

  /** Parts left behind cost storage until a lifecycle rule removes them; never worth failing over. */
  private async abortUpload(key: string, UploadId: string): Promise<void> {
    await this.s3()
      .send(new (s3Sdk().AbortMultipartUploadCommand)({ Bucket: this.bucket, Key: key, UploadId }))
      .catch(() => {});
  }

  private async putExclusive(name: string, key: string, data: Buffer, md5: string): Promise<string | undefined> {
    const exists = await this.stat(name).then(
      () => true,
      (err) => {
        if (this.isNotFound(err)) return false;
        throw err;
      },
    );
    if (exists) throw s3Error(new Error('the name is taken'), this.context('save', name), 'already-exists');
    try {
      return (await this.put(name, key, data, { md5 }, !this.conditionalWritesUnsupported)).ETag;
    } catch (err) {
      if (this.conditionalWritesUnsupported || classifyS3Error(err) !== 'not-implemented') throw s3Error(err, this.context('save', name));
      this.conditionalWritesUnsupported = true;
      return (await this.call('save', name, () => this.put(name, key, data, { md5 }, false))).ETag;
    }
  }

  /** Catches a store (or proxy) that keeps other bytes than were sent, e.g. aws-chunked framing as data. */
  private async checkStoredSize(name: string, sent: number): Promise<void> {
    const stored = (await this.stat(name)).size;
    if (stored === sent) return;
    await this.remove(name).catch(() => {});
    throw new MmBackupError({
      step: 'repository-s3',
      code: 'S3_SIZE_MISMATCH',
      message: `"${name}" in ${this.location} was stored with ${stored} bytes but ${sent} were sent; the object was removed`,
      fix: 'the S3 service or a proxy in between alters uploads (for example it stores aws-chunked framing as data); check its version and settings',
    });
  }
}

/** Sends the payload unsigned (see S3Destination.put): the signer takes a payload hash header as given. */
const unsignedPayload: BuildMiddleware<PutObjectCommandInput, PutObjectCommandOutput> = (next) => (args) => {
  const request = args.request as { headers?: Record<string, string> };
  if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  return next(args);
};

/**
 * A response body read into one buffer of the announced length. The SDK's transformToByteArray() keeps
 * the chunks, joins them into a second array and Buffer.from() copied that a third time: three copies of
 * every pack span a restore reads, where this keeps one. Each chunk (one socket read, up to 64 KiB, read
 * by nothing else) is freed once copied: thousands of them waited for a collection, 15-20 MB at a
 * restore's peak.
 */
async function readBody(body: AsyncIterable<Uint8Array> | undefined, length: number | undefined, name: string): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  if (length === undefined) {
    const parts: Uint8Array[] = [];
    for await (const part of body) parts.push(part);
    return Buffer.concat(parts);
  }
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for await (const part of body) {
    if (at + part.length > length) throw new TransientError(`the response for "${name}" is longer than the ${length} bytes it announced`);
    out.set(part, at);
    at += part.length;
    freeNow(part);
  }
  return at === length ? out : out.subarray(0, at);
}

/** A CRC-32 as S3's x-amz-checksum-crc32 carries it: the four bytes big-endian, in base64. */
function crc32Header(crc32: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32 >>> 0);
  return bytes.toString('base64');
}

function md5Of(data: ObjectBytes): string {
  const hash = createHash('md5');
  for (const part of partsOf(data)) hash.update(part);
  return hash.digest('hex');
}

/** The token for the next page; a listing that claims to go on without one must not end quietly short. */
function nextPage(page: ListObjectsV2CommandOutput, location: string): string | undefined {
  if (!page.IsTruncated) return undefined;
  if (page.NextContinuationToken) return page.NextContinuationToken;
  throw new MmBackupError({
    step: 'repository-s3',
    code: 'S3_LIST_TRUNCATED',
    message: `the S3 service listing ${location} said more keys follow but gave no continuation token`,
    fix: 'the service does not implement ListObjectsV2 pagination correctly; use another S3-compatible service',
  });
}

function createClient(target: S3Location, options: S3DestinationOptions): S3Client {
  return new (s3Sdk().S3Client)({
    region: target.region,
    endpoint: target.endpoint,
    forcePathStyle: target.forcePathStyle,
    credentials: target.credentials,
    // The defaults add CRC checksums with aws-chunked framing, which some S3-compatible stores (s3rver,
    // older MinIO) keep as part of the object. Encryption above already authenticates every byte.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Retries are withRetries()' job: one policy, and each retry reported.
    maxAttempts: 1,
    followRegionRedirects: target.endpoint === undefined,
    // An idle timeout, not a total one: a large part on a slow link may take long but is never silent long.
    requestHandler: { socketTimeout: options.socketTimeoutMs ?? 60_000, connectionTimeout: options.connectionTimeoutMs ?? 10_000 },
  });
}
