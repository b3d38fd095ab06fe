/**
 * Turns a repository URL into a Destination: a plain path or file:///path is a local directory.
 * s3:// URLs are recognised so that the error can say what to do instead.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, MmBackupError } from '../common/errors';
import type { Destination } from './destination';
import { LocalDestination } from './local';

export function openDestination(url: string): Destination {
  if (/^s3:\/\//i.test(url)) {
    throw new MmBackupError({
      step: 'open-repository',
      code: 'S3_NOT_SUPPORTED_YET',
      message: 'S3 repositories are not supported by this version of mmbackup',
      fix: 'use a local directory (or a mounted network file system) as --repo for now',
      exitCode: ExitCode.usage,
    });
  }
  if (/^file:\/\//i.test(url)) return new LocalDestination(fileURLToPath(url));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new MmBackupError({
      step: 'open-repository',
      code: 'BAD_REPO_URL',
      message: `unsupported repository URL scheme in ${url.replace(/\/\/[^@/]*@/, '//***@')}`,
      fix: 'use a path, file:///path, or s3://bucket/prefix',
      exitCode: ExitCode.usage,
    });
  }
  return new LocalDestination(path.resolve(url));
}
