/**
 * The AWS SDK, loaded on first use. Loading it costs about 30 MB of resident memory and 0.1 s of startup,
 * which a command on a local repository with a local file store never needs: only S3 repositories and S3
 * file stores call these.
 *
 * Once loaded, the SDK keeps about 9 MB of the main thread's heap, and V8 then lets the old generation grow
 * far past what survived its last full collection before collecting again (17 MB survived, 45 MB before the
 * next): 49 MB of heap at the peak of an S3 backup of 1 GiB, against 22 MB for the same backup to a disk. Loading it therefore caps that
 * growth at twice what survived (a V8 setting, read at each collection, so it holds for the rest of the
 * process): that backup then peaked at 183-196 MB resident instead of 209-218, in the same wall time, for
 * about a tenth more CPU. A process that never loads the SDK keeps V8's default: to a disk, where what
 * survives is a third of that and the main thread is busier, the cap made the backup 15-25% slower.
 */
import { setFlagsFromString } from 'node:v8';
import type * as ClientS3 from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';

/** The old generation grows by at most this much over what survived its last full collection. */
const S3_HEAP_GROWTH_PERCENT = 100;

let clientS3: typeof ClientS3 | undefined;
let libStorage: typeof LibStorage | undefined;

function loaded<T>(module: T): T {
  setFlagsFromString(`--heap-growing-percent=${S3_HEAP_GROWTH_PERCENT}`);
  return module;
}

/** `@aws-sdk/client-s3`: the client and its commands. */
export function s3Sdk(): typeof ClientS3 {
  return (clientS3 ??= loaded(require('@aws-sdk/client-s3') as typeof ClientS3));
}

/** `@aws-sdk/lib-storage`: the multipart Upload. */
export function uploadSdk(): typeof LibStorage {
  return (libStorage ??= loaded(require('@aws-sdk/lib-storage') as typeof LibStorage));
}
