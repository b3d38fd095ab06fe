import { MmBackupError } from '../../common/errors';
import { classifyS3Error, isPermanentS3Error, s3Error } from './errors';

const sdk = (name: string, status?: number, message = 'service says no') => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('classifyS3Error', () => {
  test.each([
    [sdk('NoSuchKey', 404), 'not-found', false],
    [sdk('NotFound', 404), 'not-found', false],
    [sdk('NoSuchBucket', 404), 'no-such-bucket', true],
    [sdk('AccessDenied', 403), 'access-denied', true],
    [sdk('Unknown', 403), 'access-denied', true], // a HEAD refused: no body, so no code
    [sdk('InvalidAccessKeyId', 403), 'bad-credentials', true],
    [sdk('SignatureDoesNotMatch', 403), 'bad-credentials', true],
    [sdk('RequestTimeTooSkewed', 403), 'clock-skew', true],
    [sdk('PermanentRedirect', 301), 'wrong-region', true],
    [sdk('InvalidBucketName', 400), 'invalid-bucket-name', true],
    [sdk('PreconditionFailed', 412), 'already-exists', false],
    [sdk('NotImplemented', 501), 'not-implemented', true],
    [sdk('MalformedXML', 400), 'rejected', true],
    [sdk('RequestTimeout', 400), 'failed', false],
    [sdk('SlowDown', 503), 'failed', false],
    [sdk('InternalError', 500), 'failed', false],
    [sdk('TooManyRequests', 429), 'failed', false],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'failed', false],
    [Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), 'endpoint-unknown', true],
  ])('%s -> %s (permanent: %s)', (err, kind, permanent) => {
    expect(classifyS3Error(err)).toBe(kind);
    expect(isPermanentS3Error(err)).toBe(permanent);
    // The wrapped error an admin sees keeps the same meaning.
    const wrapped = s3Error(err, { bucket: 'bkt', location: 's3://bkt/p (host)', operation: 'load', name: 'config' });
    expect(classifyS3Error(wrapped)).toBe(kind);
  });
});

describe('s3Error', () => {
  test('names the bucket, the object and the fix, and quotes the service', () => {
    const err = s3Error(sdk('AccessDenied', 403, 'Access Denied'), { bucket: 'bkt', location: 's3://bkt/p (host)', operation: 'save', name: 'objects/ab/ab12' });
    expect(err).toBeInstanceOf(MmBackupError);
    expect(err.step).toBe('repository-s3');
    expect(err.code).toBe('S3_ACCESS_DENIED');
    expect(err.message).toBe('access denied to the bucket "bkt" (save "objects/ab/ab12" in s3://bkt/p (host)): AccessDenied, HTTP 403: Access Denied');
    expect(err.fix).toMatch(/MMBACKUP_S3_ACCESS_KEY_ID .* bucket policy/);
    expect(err.exitCode).toBe(2);
  });

  test('an MmBackupError passes unchanged', () => {
    const original = new MmBackupError({ step: 's', code: 'C', message: 'm' });
    expect(s3Error(original, { bucket: 'b', location: 'l', operation: 'load' })).toBe(original);
  });
});
