/**
 * An S3 client for Mattermost's own file store bucket, configured the way Mattermost reaches it
 * (FileSettings.AmazonS3*): endpoint as host[:port] plus an SSL flag, path-style addressing unless the
 * endpoint is AWS itself, and keys from the config or the default AWS chain when the config has none.
 * Checksums only when S3 requires them: some S3-compatible servers store the SDK's checksum framing
 * inside the object otherwise.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { FileStore } from '../../mattermost/types';
import { s3Sdk } from '../../destinations/s3/sdk';

export type S3Store = Extract<FileStore, { driver: 'amazons3' }>;

export function endpointUrl(store: S3Store): string {
  return /^https?:\/\//.test(store.endpoint) ? store.endpoint : `${store.ssl ? 'https' : 'http'}://${store.endpoint}`;
}

/** The key prefix under which Mattermost keeps its files: "" or "prefix/". */
export function keyPrefix(store: S3Store): string {
  const trimmed = store.pathPrefix.replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
}

export function describeStore(store: S3Store): string {
  return `s3://${store.bucket}/${keyPrefix(store)} at ${endpointUrl(store)}`;
}

export function storeClient(store: S3Store): S3Client {
  const isAws = /(^|\.)amazonaws\.com(:\d+)?$/.test(store.endpoint.replace(/^https?:\/\//, ''));
  return new (s3Sdk().S3Client)({
    endpoint: endpointUrl(store),
    region: store.region || 'us-east-1',
    forcePathStyle: !isAws,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
    ...(store.accessKeyId && store.secretAccessKey ? { credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey } } : {}),
  });
}
