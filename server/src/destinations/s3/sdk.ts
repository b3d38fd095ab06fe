/**
 * The AWS SDK, loaded on first use. Loading it costs about 30 MB of resident memory and 0.1 s of startup,
 * which a command on a local repository with a local file store never needs: only S3 repositories and S3
 * file stores call these.
 *
 * Once loaded, the SDK stays in the main thread's heap for good, so loading it caps that heap's growth
 * (../../common/old-generation.ts): an S3 backup of 1 GiB peaked at 183-196 MB resident instead of 209-218.
 */
import type * as ClientS3 from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';
import { capOldGenerationGrowth } from '../../common/old-generation';

let clientS3: typeof ClientS3 | undefined;
let libStorage: typeof LibStorage | undefined;

function loaded<T>(module: T): T {
  capOldGenerationGrowth();
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
