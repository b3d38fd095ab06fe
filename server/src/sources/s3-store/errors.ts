/** S3 file store failures in words an admin can act on; bucket named, keys never. */
import { MmBackupError } from '../../common/errors';
import { redact } from '../../common/redact';
import { describeStore, type S3Store } from './client';

export function storeError(step: string, store: S3Store, err: unknown): MmBackupError {
  if (err instanceof MmBackupError) return err;
  const name = (err as { name?: string }).name ?? '';
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const where = describeStore(store);
  let fix = 'check FileSettings.AmazonS3* (or MM_FILESETTINGS_AMAZONS3*) and that the endpoint is reachable from this host';
  if (name === 'NoSuchBucket') fix = `the bucket ${store.bucket} does not exist: check FileSettings.AmazonS3Bucket`;
  else if (['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'].includes(name) || status === 403) {
    fix = 'check FileSettings.AmazonS3AccessKeyId/SecretAccessKey and that the bucket policy allows listing and reading (and writing, to restore)';
  }
  return new MmBackupError({
    step,
    code: name === 'NoSuchBucket' ? 'S3_STORE_NO_BUCKET' : status === 403 ? 'S3_STORE_DENIED' : 'S3_STORE_FAILED',
    message: redact(`the Mattermost file store ${where} failed: ${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message ?? String(err)}`),
    fix,
    cause: err,
  });
}
