/**
 * Turns a repository URL into a Destination: a plain path or file:///path is a local directory;
 * s3://bucket/prefix?endpoint=...&region=...&forcePathStyle=... is an S3 bucket (see ./s3/url.ts), wrapped
 * in withRetries() so that throttling and dropped connections are tried again, each retry reported.
 * Opening is synchronous and touches no network: the first call on the destination does.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, MmBackupError } from '../common/errors';
import type { Destination } from './destination';
import { LocalDestination } from './local';
import { withRetries, type RetryOptions } from './retry';
import { S3Destination } from './s3/s3';
import { withConnectionLimit } from './sema';

/** Requests in flight to one S3 repository: enough to hide round trips, few enough for a small host. */
export const S3_CONNECTIONS = 16;
import { isS3Url, parseS3Url } from './s3/url';

export interface OpenDestinationOptions {
  /** Where retries of a remote destination are reported (reporter.warn); default: a "warning:" line on stderr. */
  onRetry?: (line: string) => void;
  /** Retry tuning, for tests. */
  retry?: Omit<RetryOptions, 'onRetry'>;
  /** Where credentials come from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export function openDestination(url: string, options: OpenDestinationOptions = {}): Destination {
  if (isS3Url(url)) {
    const onRetry = options.onRetry ?? ((line: string) => process.stderr.write(`warning: ${line}\n`));
    // The connection limit sits under the retries: a pause before a retry holds no connection.
    return withRetries(withConnectionLimit(new S3Destination(parseS3Url(url, options.env)), S3_CONNECTIONS), { ...options.retry, onRetry });
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
