/**
 * Backing up a Mattermost file store that lives in S3: every object under the path prefix becomes a file
 * entry of the "data" tree (key relative to the prefix, size, ETag, last-modified), its content streamed
 * into the repository. An object whose key, size and ETag match the previous snapshot is not downloaded
 * again: its chunks are reused, as long as the repository still holds them.
 */
import type { _Object } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { Reporter } from '../../common/reporter';
import { OrderedWindow } from '../../destinations/sema';
import { writeBlob, type WriteStats } from '../../repository/blobs';
import type { Repository } from '../../repository/repository';
import type { TreeRoot } from '../../repository/snapshots';
import { treeLine, type ParentIndex, type TreeEntry } from '../../engine/tree';
import { describeStore, keyPrefix, storeClient, type S3Store } from './client';
import { storeError } from './errors';
import { s3Sdk } from '../../destinations/s3/sdk';

const STEP = 'files-s3';

/** Objects of the Mattermost bucket downloaded (capture) or uploaded (restore) at once. */
export const STORE_CONNECTIONS = 8;

/** Every object under the prefix, page by page. */
export async function* listStore(store: S3Store): AsyncGenerator<_Object> {
  const client = storeClient(store);
  const prefix = keyPrefix(store);
  let token: string | undefined;
  try {
    do {
      const page = await client.send(new (s3Sdk().ListObjectsV2Command)({ Bucket: store.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key && !object.Key.endsWith('/')) yield object;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    throw storeError(STEP, store, err);
  } finally {
    client.destroy();
  }
}

/**
 * Objects are captured as many at once as the file store's pool allows (STORE_CONNECTIONS), started in
 * listing order and written to the listing in that order.
 */
async function* captureEntries(repository: Repository, store: S3Store, parent: ParentIndex, stats: WriteStats, counters: StoreCounters, reporter: Reporter): AsyncGenerator<string> {
  const client = storeClient(store);
  const prefix = keyPrefix(store);
  const window = new OrderedWindow<TreeEntry>(STORE_CONNECTIONS);
  const capture = async (object: _Object): Promise<TreeEntry> => {
    const rel = object.Key!.slice(prefix.length);
    const size = object.Size ?? 0;
    const etag = object.ETag ?? '';
    counters.files++;
    counters.bytes += size;
    const previous = parent.get(rel);
    let blob;
    if (previous && previous.s === size && previous.e === etag && etag && previous.b.chunks.every((id) => repository.has(id))) {
      counters.unchanged++;
      stats.chunksReused += previous.b.chunks.length;
      reporter.bytes(size);
      blob = previous.b;
    } else {
      const got = await client.send(new (s3Sdk().GetObjectCommand)({ Bucket: store.bucket, Key: object.Key })).catch((err) => {
        throw storeError(STEP, store, err);
      });
      blob = await writeBlob(repository, got.Body as Readable, stats, (n) => reporter.bytes(n));
      counters.downloaded++;
    }
    return { p: rel, t: 'f', m: 0o644, mt: object.LastModified?.getTime() ?? 0, s: size, e: etag, b: blob };
  };
  try {
    for await (const object of listStore(store)) {
      const ready = await window.push(capture(object));
      if (ready) yield treeLine(ready.value);
    }
    for await (const entry of window.drain()) yield treeLine(entry);
  } finally {
    client.destroy();
  }
}

interface StoreCounters {
  files: number;
  bytes: number;
  downloaded: number;
  unchanged: number;
}

/** Captures the bucket's Mattermost files as the "data" tree root. */
export async function captureS3Store(repository: Repository, store: S3Store, parent: ParentIndex, stats: WriteStats, reporter: Reporter): Promise<TreeRoot> {
  const counters: StoreCounters = { files: 0, bytes: 0, downloaded: 0, unchanged: 0 };
  const tree = await writeBlob(repository, Readable.from(captureEntries(repository, store, parent, stats, counters, reporter)), stats);
  reporter.info(`${describeStore(store)}: ${counters.downloaded} objects downloaded, ${counters.unchanged} unchanged since the last backup (not downloaded)`);
  return { name: 'data', path: describeStore(store), dirs: 0, files: counters.files, bytes: counters.bytes, tree };
}
