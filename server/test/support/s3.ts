/**
 * The S3 server the tests use: a real MinIO (./minio.ts, built by build/ensure-minio.sh) on a loopback
 * port with its data in a temp dir and random root credentials. It checks SigV4 signatures, pages listings
 * at 1,000 keys, answers conditional writes and keeps Object Lock and versioning, as S3 does, so the tests
 * need no patched emulator. Buckets made by bucket() have neither; objectLockBucket() makes one with Object
 * Lock (which turns versioning on).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { forEachLimited } from '../../src/destinations/sema';
import { startMinio } from './minio';

export interface S3TestServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Creates the bucket (if new) and returns its name. */
  bucket(name: string): Promise<string>;
  /** Creates a bucket with Object Lock (and so versioning) enabled. */
  objectLockBucket(name: string): Promise<string>;
  /** Stores objects into a bucket, 16 at a time: for seeding a bucket with many objects. */
  seed(bucket: string, objects: Iterable<[key: string, content: Buffer]>): Promise<void>;
  /** An s3:// repository URL for `bucket`/`prefix` on this server. */
  repoUrl(bucket: string, prefix?: string, endpoint?: string): string;
  /** The MMBACKUP_S3_* variables holding this server's key pair. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export interface S3TestServerOptions {
  /** Where MinIO keeps its data (a new temp dir inside it); default /dev/shm when there is one. */
  parentDirectory?: string;
}

/** Starts a fresh MinIO. Its data goes to /dev/shm unless told otherwise (pass a disk directory for gigabytes). */
export async function startS3Server(options: S3TestServerOptions = {}): Promise<S3TestServer> {
  const parent = options.parentDirectory ?? ((await isWritableDirectory('/dev/shm')) ? '/dev/shm' : undefined);
  const minio = await startMinio({ parentDirectory: parent });
  const made = new Set<string>();
  const bucket = async (name: string, objectLock = false) => {
    if (!made.has(name)) await minio.createBucket(name, { objectLock });
    made.add(name);
    return name;
  };
  return {
    endpoint: minio.endpoint,
    accessKeyId: minio.accessKeyId,
    secretAccessKey: minio.secretAccessKey,
    bucket: (name) => bucket(name),
    objectLockBucket: (name) => bucket(name, true),
    async seed(name, objects) {
      await bucket(name);
      const client = minio.client();
      try {
        await forEachLimited(objects, 16, async ([Key, Body]) => void (await client.send(new PutObjectCommand({ Bucket: name, Key, Body }))));
      } finally {
        client.destroy();
      }
    },
    repoUrl: (name, prefix = '', at = minio.endpoint) => `s3://${name}/${prefix}?endpoint=${encodeURIComponent(at)}&region=us-east-1`,
    env: () => ({ MMBACKUP_S3_ACCESS_KEY_ID: minio.accessKeyId, MMBACKUP_S3_SECRET_ACCESS_KEY: minio.secretAccessKey }),
    stop: () => minio.stop(),
  };
}

async function isWritableDirectory(dir: string): Promise<boolean> {
  return fs.access(dir, fsConstants.W_OK).then(() => true, () => false);
}
