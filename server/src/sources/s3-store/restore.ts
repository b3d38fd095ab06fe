/**
 * Restoring the "data" tree into a Mattermost S3 bucket: each file streamed from the repository with a
 * multipart upload (bounded parts in flight, part size so no object needs more than 10,000 parts). The
 * bucket is not emptied first; objects of the same key are overwritten, others are left alone.
 */
import type { Reporter } from '../../common/reporter';
import { readBlob } from '../../repository/blobs';
import type { Repository } from '../../repository/repository';
import type { TreeRoot } from '../../repository/snapshots';
import { readTree, type FileEntry } from '../../engine/tree';
import { forEachLimited } from '../../destinations/sema';
import { keyPrefix, storeClient, type S3Store } from './client';
import { storeError } from './errors';
import { listStore, STORE_CONNECTIONS } from './capture';
import { s3Sdk, uploadSdk } from '../../destinations/s3/sdk';

const STEP = 'restore-files-s3';
const MIN_PART = 5 * 1024 * 1024;

/** S3 allows 10,000 parts: large objects need larger parts. */
export function partSizeFor(size: number): number {
  return Math.max(MIN_PART, Math.ceil(size / 10_000));
}

/** Files are uploaded STORE_CONNECTIONS at once, each a multipart upload with a few parts in flight. */
export async function restoreS3Store(repository: Repository, root: TreeRoot, store: S3Store, reporter: Reporter): Promise<void> {
  const client = storeClient(store);
  const prefix = keyPrefix(store);
  const upload = async (entry: FileEntry) => {
    const transfer = new (uploadSdk().Upload)({ client, queueSize: 2, partSize: partSizeFor(entry.s), params: { Bucket: store.bucket, Key: prefix + entry.p, Body: readBlob(repository, entry.b) } });
    await transfer.done().catch((err) => {
      throw storeError(STEP, store, err);
    });
    const head = await client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: store.bucket, Key: prefix + entry.p }));
    if (head.ContentLength !== entry.s) throw storeError(STEP, store, new Error(`${entry.p} was stored with ${head.ContentLength} bytes, expected ${entry.s}`));
    reporter.bytes(entry.s);
  };
  try {
    await forEachLimited(readTree(repository, root.tree), STORE_CONNECTIONS, async (entry) => {
      if (entry.t === 'f') await upload(entry);
    });
  } finally {
    client.destroy();
  }
}

/** True when the bucket already holds Mattermost files under the prefix. */
export async function storeHasObjects(store: S3Store): Promise<boolean> {
  for await (const _object of listStore(store)) return true;
  return false;
}
