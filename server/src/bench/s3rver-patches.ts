/**
 * Two faults of s3rver 3.7 (the S3-protocol server of the tests and of `make bench`), patched because
 * mmbackup relies on S3 behaving as S3 does:
 * - It encrypts its ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 refuses, so any
 *   listing past 1,000 keys fails with a 500. DES-EDE3 with three equal keys is the same cipher and
 *   OpenSSL 3 still has it: 'des' is mapped to that.
 * - It answers a PUT (and an UploadPart) once its hashing stream has seen the last byte, before the file
 *   write has finished, so a HEAD straight after can see a short object and a multipart completion can
 *   read a short part. AWS S3 has been read-after-write consistent since 2020: here the answer waits for
 *   the file, as it does there for durable storage.
 * Both patch s3rver's modules in place, once per process.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

let applied = false;

/** Applies both patches to s3rver's modules (require()d from node_modules); idempotent. */
export function patchS3rver(): void {
  if (applied) return;
  applied = true;
  mapSingleDes();
  waitForWrites((require('s3rver/lib/stores/filesystem') as { prototype: FilesystemStore }).prototype);
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
