/**
 * The S3 benchmark's server: s3rver (a devDependency, so the benchmark needs the dev checkout's
 * node_modules) on 127.0.0.1 at a free port, in a process of its own so that its request handling is not
 * timed as part of the client measured. Started by s3-server.ts, which passes the data directory, the
 * buckets and a key pair in the environment; prints one line `{"port":N}` on stdout once it listens, and
 * runs until killed or until its stdin closes (the benchmark died without stopping it).
 *
 * Two faults of s3rver 3.7 are patched here, because mmbackup relies on S3 behaving as S3 does:
 * - It encrypts its ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 refuses, so any
 *   listing past 1,000 keys (an incremental backup lists every object) fails with a 500. DES-EDE3 with
 *   three equal keys is the same cipher and OpenSSL 3 still has it: 'des' is mapped to that, as the
 *   tests' s3rver does (test/support/s3.ts).
 * - It answers a PUT (and an UploadPart) once its hashing stream has seen the last byte, before the file
 *   write has finished, so a HEAD straight after can see a short object (mmbackup's size check then
 *   fails, rightly) and a multipart completion can read a short part. AWS S3 has been read-after-write
 *   consistent since 2020: here the answer waits for the file, as it does there for durable storage.
 *
 * Usage: BENCH_S3RVER_DIR=... BENCH_S3RVER_BUCKETS=a,b BENCH_S3RVER_KEY_ID=... BENCH_S3RVER_SECRET=... node s3rver-process.js
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
interface Account {
  createKeyPair(id: string, secret: string): void;
}

function mapSingleDes(): void {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return; // this OpenSSL still has single DES
  } catch {
    // mapped below
  }
  // The module object itself (what s3rver's require('crypto') returns), not this file's import of it.
  type CipherFactory = (algorithm: string, key: Buffer, ...rest: unknown[]) => unknown;
  const mutable = require('node:crypto') as Record<'createCipheriv' | 'createDecipheriv', CipherFactory>;
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    const original = mutable[name];
    mutable[name] = (algorithm, key, ...rest) => (algorithm === 'des' ? original('des-ede3-cbc', Buffer.concat([key, key, key]), ...rest) : original(algorithm, key, ...rest));
  }
}

/** Writes `content` to `file` and resolves, once the file is written, with its size and MD5 (hex). */
async function writeHashed(content: Readable | Buffer, file: string): Promise<{ size: number; md5: string }> {
  const md5 = createHash('md5');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      md5.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(Buffer.isBuffer(content) ? Readable.from([content]) : content, hashing, createWriteStream(file));
  return { size, md5: md5.digest('hex') };
}

interface StoredObject {
  bucket: string;
  key: string;
  content: Readable | Buffer;
  metadata: Record<string, string>;
}
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putPart(bucket: string, uploadId: string, partNumber: number, content: Readable): Promise<{ size: number; md5: string }>;
}

/** s3rver's own putObject and putPart, answering only once the bytes are in the file. */
function waitForWrites(store: FilesystemStore): void {
  store.putObject = async function putObject(this: FilesystemStore, object) {
    const file = this.getResourcePath(object.bucket, object.key, 'object');
    await fs.mkdir(path.dirname(file), { recursive: true });
    const written = await writeHashed(object.content, file);
    await this.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    return written;
  };
  store.putPart = async function putPart(this: FilesystemStore, bucket, uploadId, partNumber, content) {
    const file = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    await fs.mkdir(path.dirname(file), { recursive: true });
    const written = await writeHashed(content, file);
    await fs.writeFile(`${file}.md5`, written.md5);
    return written;
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (this script is started by the benchmark, not by hand)`);
  return value;
}

async function main(): Promise<void> {
  const directory = required('BENCH_S3RVER_DIR');
  const buckets = required('BENCH_S3RVER_BUCKETS').split(',');
  mapSingleDes();
  waitForWrites((require('s3rver/lib/stores/filesystem') as { prototype: FilesystemStore }).prototype);
  // s3rver ships no type declarations: the little used here is declared above.
  const S3rver = require('s3rver') as S3rverConstructor;
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: Account };
  // Its account registry is where s3rver looks key ids up; it checks no signature beyond a known id.
  DUMMY_ACCOUNT.createKeyPair(required('BENCH_S3RVER_KEY_ID'), required('BENCH_S3RVER_SECRET'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  process.stdin.on('close', () => process.exit(0)).resume();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`s3rver did not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
