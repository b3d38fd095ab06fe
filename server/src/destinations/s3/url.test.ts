import { MmBackupError } from '../../common/errors';
import { redact } from '../../common/redact';
import { describeS3Location, isS3Url, parseS3Url } from './url';

const CREDS = { MMBACKUP_S3_ACCESS_KEY_ID: 'AKIATESTTESTTEST', MMBACKUP_S3_SECRET_ACCESS_KEY: 'url-test-secret-value-1234' };

describe('parseS3Url', () => {
  test.each([
    ['s3://bucket', { bucket: 'bucket', prefix: '', endpoint: undefined, region: 'us-east-1', forcePathStyle: false }],
    ['s3://bucket/', { bucket: 'bucket', prefix: '' }],
    ['s3://bucket/mm/prod/', { bucket: 'bucket', prefix: 'mm/prod/' }],
    ['s3://bucket//mm//', { bucket: 'bucket', prefix: 'mm/' }],
    ['s3://bucket/with%20space', { prefix: 'with space/' }],
    ['s3://b/p?region=eu-west-1', { region: 'eu-west-1', forcePathStyle: false }],
    ['s3://b/p?endpoint=http://127.0.0.1:9000', { endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }],
    ['s3://b/p?endpoint=https%3A%2F%2Fs3.example.com%2F&forcePathStyle=false', { endpoint: 'https://s3.example.com', forcePathStyle: false }],
    ['S3://b/p?forcePathStyle=1', { forcePathStyle: true }],
  ])('%s', (url, expected) => {
    expect(parseS3Url(url, {})).toMatchObject(expected);
  });

  test('region falls back to AWS_REGION, then us-east-1', () => {
    expect(parseS3Url('s3://b', { AWS_REGION: 'ap-south-1' }).region).toBe('ap-south-1');
    expect(parseS3Url('s3://b?region=x-1', { AWS_REGION: 'ap-south-1' }).region).toBe('x-1');
  });

  test('credentials come from MMBACKUP_S3_*, else are left to the SDK chain; secrets get redacted', () => {
    expect(parseS3Url('s3://b', CREDS).credentials).toEqual({ accessKeyId: CREDS.MMBACKUP_S3_ACCESS_KEY_ID, secretAccessKey: CREDS.MMBACKUP_S3_SECRET_ACCESS_KEY });
    expect(redact(`oops ${CREDS.MMBACKUP_S3_SECRET_ACCESS_KEY}`)).toBe('oops ***');
    expect(parseS3Url('s3://b', { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'aws-variable-secret-99' }).credentials).toBeUndefined();
    expect(redact('aws-variable-secret-99')).toBe('***');
  });

  test.each([
    ['s3://', /not an S3 repository URL/],
    ['s3:///prefix', /not an S3 repository URL/],
    ['s3://key:secret@bucket/p', /holds credentials/],
    ['s3://b/p?accessKey=AKIA&secretKey=abc', /unknown parameter "accessKey"/],
    ['s3://b/p?endpoint=127.0.0.1:9000', /not http\(s\)|not a URL/],
    ['s3://b/p?endpoint=http://user:pw@host:9000', /holds credentials/],
    ['s3://b/p?forcePathStyle=maybe', /neither true nor false/],
    ['s3://b/../p', /"\.\."/],
  ])('%s is refused as a usage error', (url, message) => {
    const err = (() => {
      try {
        parseS3Url(url, {});
      } catch (e) {
        return e as MmBackupError;
      }
    })();
    expect(err).toBeInstanceOf(MmBackupError);
    expect(err!.message).toMatch(message);
    expect(err!.exitCode).toBe(2);
    expect(err!.message).not.toMatch(/secret@|:pw@/);
  });

  test('half a key pair is refused', () => {
    expect(() => parseS3Url('s3://b', { MMBACKUP_S3_ACCESS_KEY_ID: 'AKIA' })).toThrow(/only MMBACKUP_S3_ACCESS_KEY_ID is set/);
  });
});

describe('describeS3Location', () => {
  test('bucket, prefix and endpoint host; AWS when there is no endpoint', () => {
    expect(describeS3Location(parseS3Url('s3://b/mm/prod?endpoint=https://minio.internal:9000/&region=x', CREDS))).toBe('s3://b/mm/prod (minio.internal:9000)');
    expect(describeS3Location(parseS3Url('s3://b', CREDS))).toBe('s3://b (AWS)');
  });
});

test('isS3Url', () => {
  expect(isS3Url('s3://b')).toBe(true);
  expect(isS3Url('/srv/s3://b')).toBe(false);
});
