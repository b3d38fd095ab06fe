/**
 * What an S3 failure means, and how it is told to an admin. The AWS SDK reports a service error as an
 * exception whose `name` is the S3 error code (NoSuchKey, AccessDenied...) with `$metadata.httpStatusCode`;
 * answers to HEAD requests have no body, so there only the status is known (404 "NotFound", 403 "Forbidden").
 * Network failures carry Node's code (ECONNRESET...) or the name TimeoutError.
 *
 * Every error S3Destination lets out is an MmBackupError (step "repository-s3") that names the bucket and
 * the fix, with the SDK error as its cause; its `code` says which kind it is, so isPermanent() and friends
 * work on both the raw SDK error and the wrapped one.
 */
import { ExitCode, MmBackupError, type ExitCodeValue } from '../../common/errors';
import { redact } from '../../common/redact';

export type S3FailureKind =
  | 'not-found'
  | 'already-exists'
  | 'no-such-bucket'
  | 'bad-credentials'
  | 'access-denied'
  | 'wrong-region'
  | 'clock-skew'
  | 'invalid-bucket-name'
  | 'not-implemented'
  | 'rejected'
  | 'endpoint-unknown'
  | 'failed';

interface KindInfo {
  code: string;
  permanent: boolean;
  exitCode: ExitCodeValue;
  fix: (bucket: string) => string;
}

const CREDENTIALS_FIX = 'check MMBACKUP_S3_ACCESS_KEY_ID / MMBACKUP_S3_SECRET_ACCESS_KEY (or the AWS credentials) and the bucket policy';
const NO_FIX = () => '';

const KINDS: Record<S3FailureKind, KindInfo> = {
  'not-found': { code: 'S3_NOT_FOUND', permanent: false, exitCode: ExitCode.failed, fix: NO_FIX },
  'already-exists': { code: 'S3_ALREADY_EXISTS', permanent: false, exitCode: ExitCode.failed, fix: NO_FIX },
  'no-such-bucket': { code: 'S3_NO_SUCH_BUCKET', permanent: true, exitCode: ExitCode.usage, fix: (b) => `create the bucket "${b}" or fix the URL (s3://bucket/prefix?endpoint=...)` },
  'bad-credentials': { code: 'S3_BAD_CREDENTIALS', permanent: true, exitCode: ExitCode.usage, fix: () => CREDENTIALS_FIX },
  'access-denied': { code: 'S3_ACCESS_DENIED', permanent: true, exitCode: ExitCode.usage, fix: (b) => `${CREDENTIALS_FIX}: mmbackup needs s3:ListBucket on "${b}" and s3:GetObject, s3:PutObject, s3:DeleteObject under the prefix` },
  'wrong-region': { code: 'S3_WRONG_REGION', permanent: true, exitCode: ExitCode.usage, fix: (b) => `add ?region=<the region of "${b}"> to the repository URL` },
  'clock-skew': { code: 'S3_CLOCK_SKEW', permanent: true, exitCode: ExitCode.failed, fix: () => "set this host's clock right (run NTP / systemd-timesyncd); S3 refuses requests more than 15 minutes off" },
  'invalid-bucket-name': { code: 'S3_INVALID_BUCKET_NAME', permanent: true, exitCode: ExitCode.usage, fix: () => 'bucket names are 3-63 lowercase letters, digits, dots and hyphens: fix the URL' },
  'not-implemented': { code: 'S3_NOT_IMPLEMENTED', permanent: true, exitCode: ExitCode.failed, fix: () => 'this S3-compatible service lacks a call mmbackup needs; use another service or a local repository' },
  rejected: { code: 'S3_REQUEST_REJECTED', permanent: true, exitCode: ExitCode.failed, fix: () => 'the S3 service refused the request as malformed; report it with the message above' },
  'endpoint-unknown': { code: 'S3_ENDPOINT_UNKNOWN', permanent: true, exitCode: ExitCode.usage, fix: () => 'check the host name in ?endpoint= of the repository URL' },
  failed: { code: 'S3_REQUEST_FAILED', permanent: false, exitCode: ExitCode.failed, fix: () => 'check that the S3 endpoint is reachable and healthy (network, proxy, service status), then run again' },
};

const CODE_TO_KIND = new Map(Object.entries(KINDS).map(([kind, info]) => [info.code, kind as S3FailureKind]));

const SERVICE_CODES: Record<string, S3FailureKind> = {
  NoSuchKey: 'not-found',
  NotFound: 'not-found',
  NoSuchBucket: 'no-such-bucket',
  PreconditionFailed: 'already-exists',
  InvalidAccessKeyId: 'bad-credentials',
  SignatureDoesNotMatch: 'bad-credentials',
  InvalidToken: 'bad-credentials',
  ExpiredToken: 'bad-credentials',
  CredentialsProviderError: 'bad-credentials',
  AccessDenied: 'access-denied',
  AllAccessDisabled: 'access-denied',
  AccountProblem: 'access-denied',
  Forbidden: 'access-denied',
  PermanentRedirect: 'wrong-region',
  AuthorizationHeaderMalformed: 'wrong-region',
  RequestTimeTooSkewed: 'clock-skew',
  InvalidBucketName: 'invalid-bucket-name',
  NotImplemented: 'not-implemented',
  // 4xx answers that a later attempt can succeed after; withRetries decides, they must not look permanent.
  RequestTimeout: 'failed',
  SlowDown: 'failed',
  OperationAborted: 'failed',
  ConditionalRequestConflict: 'failed',
  IncompleteBody: 'failed',
  BadDigest: 'failed',
  XAmzContentChecksumMismatch: 'failed',
};

/** The S3 error code (or Node/SDK error name) and the HTTP status of a raw failure. */
export function s3ErrorCode(err: unknown): { code?: string; status?: number } {
  const e = err as { name?: unknown; Code?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  const status = typeof e?.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code = [e?.Code, e?.code, e?.name].find((c): c is string => typeof c === 'string' && !['Error', 'Unknown', 'UnknownError'].includes(c));
  return { code, status };
}

/** Classifies a raw SDK or network error (an MmBackupError made here keeps the kind it was given). */
export function classifyS3Error(err: unknown): S3FailureKind {
  if (err instanceof MmBackupError) return CODE_TO_KIND.get(err.code) ?? classifyS3Error(err.cause);
  const { code, status } = s3ErrorCode(err);
  if (code && SERVICE_CODES[code]) return SERVICE_CODES[code];
  if (code === 'ENOTFOUND') return 'endpoint-unknown';
  if (status === 404) return 'not-found';
  if (status === 403) return 'access-denied';
  if (status === 301) return 'wrong-region';
  if (status === 412) return 'already-exists';
  if (status === 501) return 'not-implemented';
  // 408 Request Timeout, 409 a conflicting operation in progress, 429 throttled: try again later.
  if (status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status)) return 'rejected';
  return 'failed';
}

export function isPermanentS3Error(err: unknown): boolean {
  return KINDS[classifyS3Error(err)].permanent;
}

export interface S3ErrorContext {
  bucket: string;
  /** describeS3Location() of the repository. */
  location: string;
  /** What was being done: "save", "load", "stat", "list", "remove". */
  operation: string;
  /** The object name inside the repository, when there is one. */
  name?: string;
}

/** Wraps a raw failure into the MmBackupError an admin sees; keeps an MmBackupError as it is. */
export function s3Error(err: unknown, context: S3ErrorContext, kind: S3FailureKind = classifyS3Error(err)): MmBackupError {
  if (err instanceof MmBackupError) return err;
  const info = KINDS[kind];
  return new MmBackupError({
    step: 'repository-s3',
    code: info.code,
    message: redact(`${describeFailure(kind, context)}: ${what(err)}`),
    fix: info.fix(context.bucket) || undefined,
    exitCode: info.exitCode,
    cause: err,
  });
}

function describeFailure(kind: S3FailureKind, { bucket, location, operation, name }: S3ErrorContext): string {
  const target = name ? `"${name}" in ${location}` : location;
  switch (kind) {
    case 'not-found':
      return `${target} does not exist`;
    case 'already-exists':
      return `${target} already exists`;
    case 'no-such-bucket':
      return `the bucket "${bucket}" does not exist (${operation} ${target})`;
    case 'bad-credentials':
      return `the S3 credentials were refused for the bucket "${bucket}" (${operation} ${target})`;
    case 'access-denied':
      return `access denied to the bucket "${bucket}" (${operation} ${target})`;
    default:
      return `${operation} ${target} failed`;
  }
}

/** "SlowDown, HTTP 503: Please reduce your request rate." - code, status and the service's own words. */
function what(err: unknown): string {
  const { code, status } = s3ErrorCode(err);
  // The SDK wraps network errors as "AWS SDK error wrapper for TimeoutError: read ECONNRESET".
  const message = (err instanceof Error ? err.message : String(err)).replace(/^AWS SDK error wrapper for /, '');
  const head = [code, status !== undefined ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  return head && message && message !== code ? `${head}: ${message}` : head || message;
}
