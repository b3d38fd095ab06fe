/**
 * S3 Object Lock for repositories: which objects get a retention, and whether a bucket can give it.
 *
 * - Every object S3Destination saves gets the URL's mode and a retain-until date `lockDays` from now,
 *   except names under `locks/` and `preflight/`: a repository lock and a preflight probe are deleted
 *   within minutes by design, and a locked one could not be (a backup could never release its lock).
 * - Object Lock can only give immutability on a bucket created with it (on AWS and most providers it
 *   cannot be switched on later). So when a URL asks for it, the bucket's Object Lock configuration is
 *   read before anything is written, and a bucket (or a service) without it is refused with exit 2:
 *   silently storing unlocked backups would be worse than no backup promise at all.
 * - On AWS a bucket with Object Lock is versioned: a plain DELETE of a locked object succeeds by adding a
 *   delete marker and keeps the locked version. So prune asks retainedUntil() (a HEAD) first and leaves
 *   locked objects alone instead of hiding them; a lifecycle rule that expires noncurrent versions is what
 *   finally frees the space of what prune did delete.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { ExitCode, MmBackupError } from '../../common/errors';
import { classifyS3Error, s3Error, s3ErrorCode } from './errors';
import type { ObjectLockSettings } from './url';
import { s3Sdk } from './sdk';

const DAY_MS = 24 * 60 * 60_000;
/** Deleted again within minutes by design; see the file comment. */
const NEVER_LOCKED = ['locks/', 'preflight/'];

/**
 * The PutObject / CreateMultipartUpload parameters that lock `name`, or none. S3 refuses a PUT under a
 * retention that carries neither Content-MD5 nor a checksum: S3Destination sends a pack's CRC-32 (named
 * by x-amz-sdk-checksum-algorithm) or Content-MD5 with every single PUT, and a CRC32 with each part of a
 * multipart upload.
 */
export function objectLockParams(settings: ObjectLockSettings | undefined, name: string, now = new Date()) {
  if (!settings || NEVER_LOCKED.some((prefix) => name.startsWith(prefix))) return {};
  return {
    ObjectLockMode: settings.mode,
    ObjectLockRetainUntilDate: new Date(now.getTime() + settings.days * DAY_MS),
  };
}

export interface BucketTarget {
  client: S3Client;
  bucket: string;
  /** describeS3Location(), for messages. */
  location: string;
}

/** Resolves when the bucket has Object Lock enabled; else an exit-2 MmBackupError saying why and the fix. */
export async function requireObjectLock(target: BucketTarget, settings: ObjectLockSettings): Promise<void> {
  let enabled: string | undefined;
  try {
    const output = await target.client.send(new (s3Sdk().GetObjectLockConfigurationCommand)({ Bucket: target.bucket }));
    enabled = output.ObjectLockConfiguration?.ObjectLockEnabled;
  } catch (err) {
    const { code, status } = s3ErrorCode(err);
    if (code === 'ObjectLockConfigurationNotFoundError') return refuse(target, settings, 'has no Object Lock configuration', err);
    if (status === 405 || status === 501 || classifyS3Error(err) === 'not-implemented') {
      return refuse(target, settings, `is on an S3 service that does not support Object Lock (GetObjectLockConfiguration: ${code ?? ''} HTTP ${status})`, err);
    }
    throw s3Error(err, { bucket: target.bucket, location: target.location, operation: 'check Object Lock of' });
  }
  if (enabled !== 'Enabled') refuse(target, settings, 'does not have Object Lock enabled');
}

function refuse(target: BucketTarget, settings: ObjectLockSettings, why: string, cause?: unknown): never {
  throw new MmBackupError({
    step: 'repository-s3',
    code: 'S3_OBJECT_LOCK_UNAVAILABLE',
    message: `the repository URL asks for immutable backups (objectLock=${settings.mode.toLowerCase()}, lockDays=${settings.days}), but the bucket "${target.bucket}" (${target.location}) ${why}, so it cannot keep them immutable; nothing was written`,
    fix: `create a new bucket with Object Lock enabled (on AWS and most providers it can only be enabled when the bucket is created) and use that, or remove objectLock and lockDays from the URL to back up without immutability`,
    exitCode: ExitCode.usage,
    cause,
  });
}

/** When `key` is under a retention that has not expired yet, its end; else undefined (also for a missing key). */
export async function retentionOf(target: BucketTarget, key: string, name: string, now = new Date()): Promise<Date | undefined> {
  try {
    const output = await target.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: target.bucket, Key: key }));
    const until = output.ObjectLockRetainUntilDate;
    return until && until.getTime() > now.getTime() ? until : undefined;
  } catch (err) {
    if (classifyS3Error(err) === 'not-found') return undefined;
    throw s3Error(err, { bucket: target.bucket, location: target.location, operation: 'read the retention of', name });
  }
}
