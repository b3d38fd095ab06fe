import * as path from 'node:path';
import { LocalDestination } from './local';
import { openDestination } from './open';

describe('openDestination', () => {
  test('paths and file:// URLs are local directories', () => {
    expect(openDestination('relative/repo')).toBeInstanceOf(LocalDestination);
    expect(openDestination('relative/repo').location).toBe(path.resolve('relative/repo'));
    expect(openDestination('file:///srv/backup').location).toBe('/srv/backup');
  });

  test('s3:// URLs open without touching the network, show a redacted location, and keep the contract methods', () => {
    const env = { MMBACKUP_S3_ACCESS_KEY_ID: 'AKIAOPENTEST', MMBACKUP_S3_SECRET_ACCESS_KEY: 'open-test-secret-0000' };
    const destination = openDestination('s3://bucket/mm?endpoint=http://127.0.0.1:1', { env });
    expect(destination.location).toBe('s3://bucket/mm (127.0.0.1:1)');
    expect(destination.isNotFound(Object.assign(new Error('x'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }))).toBe(true);
    expect(destination.isPermanent(Object.assign(new Error('x'), { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }))).toBe(true);
  });

  test('other schemes are refused with the credentials hidden', () => {
    expect(() => openDestination('sftp://user:hunter22@host/repo')).toThrow(/sftp:\/\/\*\*\*@host/);
  });
});
