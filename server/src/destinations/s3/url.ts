/**
 * S3 repository URLs: `s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&forcePathStyle=true`.
 *
 * - No endpoint means AWS itself; any other S3-compatible store (MinIO, Wasabi, Backblaze, Ceph) needs one.
 * - region: the `region` parameter, else $AWS_REGION / $AWS_DEFAULT_REGION, else us-east-1.
 * - forcePathStyle (bucket in the path, not the host name): default true with an endpoint, since most
 *   self-hosted stores have no wildcard DNS; false for AWS.
 * - objectLock=governance|compliance with lockDays=N: every object saved (but locks and preflight probes,
 *   see ./object-lock.ts) is given that S3 Object Lock retention, N days from its write. Off by default; one
 *   without the other is a usage error, since a retention period must be a deliberate choice.
 * - Credentials: $MMBACKUP_S3_ACCESS_KEY_ID and $MMBACKUP_S3_SECRET_ACCESS_KEY (both or neither), else the
 *   AWS SDK's default chain ($AWS_ACCESS_KEY_ID..., ~/.aws, instance roles). Never from the URL: a URL ends
 *   up in shell history, cron files and process lists.
 *
 * Every secret learned here is registered with redact(), and describeS3Location() is the only form in
 * which a location is shown.
 */
import { ExitCode, MmBackupError } from '../../common/errors';
import { redact, registerSecret } from '../../common/redact';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Location {
  bucket: string;
  /** Key prefix of every repository object: "" or ending in "/". */
  prefix: string;
  /** An S3-compatible endpoint (http(s)://host:port); undefined means AWS. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Explicit credentials; undefined leaves them to the AWS SDK's default provider chain. */
  credentials?: S3Credentials;
  /** Object Lock retention asked for in the URL; undefined: none (the bucket's default rule, if any, applies). */
  objectLock?: ObjectLockSettings;
}

/** S3 Object Lock retention for new objects: the mode and how many days from each write. */
export interface ObjectLockSettings {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  days: number;
}

const PARAMETERS = ['endpoint', 'region', 'forcePathStyle', 'objectLock', 'lockDays'];
/** 100 years: anything longer is a typo, and a compliance lock cannot be shortened afterwards. */
const MAX_LOCK_DAYS = 36_500;

export function isS3Url(url: string): boolean {
  return /^s3:\/\//i.test(url);
}

function badUrl(message: string, fix: string): MmBackupError {
  return new MmBackupError({ step: 'open-repository', code: 'BAD_S3_URL', message: redact(message), fix, exitCode: ExitCode.usage });
}

/** Parses an s3:// repository URL and picks up credentials from `env`. Throws a usage error naming what is wrong. */
export function parseS3Url(url: string, env: NodeJS.ProcessEnv = process.env): S3Location {
  const match = /^s3:\/\/([^/?#]*)\/?([^?#]*)(?:\?([^#]*))?$/i.exec(url);
  if (!match || !match[1]) throw badUrl(`"${url}" is not an S3 repository URL`, 'write it as s3://bucket/prefix?endpoint=https://host:port&region=...');
  const [, bucket, rawPrefix, query = ''] = match;
  if (bucket.includes('@') || bucket.includes(':')) {
    throw badUrl(`the bucket part of ${url} holds credentials or a port`, 'give only the bucket name after s3:// and put the endpoint in ?endpoint=; credentials go in MMBACKUP_S3_ACCESS_KEY_ID / MMBACKUP_S3_SECRET_ACCESS_KEY');
  }
  const params = new URLSearchParams(query);
  for (const name of params.keys()) {
    if (!PARAMETERS.includes(name)) throw badUrl(`unknown parameter "${name}" in ${url}`, `use only ${PARAMETERS.join(', ')}; credentials go in MMBACKUP_S3_ACCESS_KEY_ID / MMBACKUP_S3_SECRET_ACCESS_KEY`);
  }
  const endpoint = parseEndpoint(params.get('endpoint'));
  return {
    bucket,
    prefix: normalizePrefix(decodePrefix(rawPrefix)),
    endpoint,
    region: params.get('region') || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    forcePathStyle: parseBoolean(params.get('forcePathStyle'), endpoint !== undefined),
    credentials: credentialsFrom(env),
    objectLock: parseObjectLock(params.get('objectLock'), params.get('lockDays')),
  };
}

function parseObjectLock(mode: string | null, days: string | null): ObjectLockSettings | undefined {
  if (!mode && !days) return undefined;
  const usage = 'write ?objectLock=governance&lockDays=30 (or objectLock=compliance), or leave both out';
  if (!mode) throw badUrl(`lockDays=${days} is given without objectLock=governance|compliance`, usage);
  if (!/^(governance|compliance)$/i.test(mode)) throw badUrl(`objectLock=${mode} is neither governance nor compliance`, usage);
  if (!days) throw badUrl(`objectLock=${mode} is given without lockDays=N (how many days each object stays locked)`, usage);
  const n = /^\d+$/.test(days) ? Number(days) : NaN;
  if (!(n >= 1 && n <= MAX_LOCK_DAYS)) throw badUrl(`lockDays=${days} is not a whole number of days from 1 to ${MAX_LOCK_DAYS}`, usage);
  return { mode: mode.toUpperCase() as ObjectLockSettings['mode'], days: n };
}

function decodePrefix(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badUrl(`the prefix "${raw}" has a malformed %-escape`, 'write the prefix as plain text, e.g. s3://bucket/mattermost/prod');
  }
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed.split('/').some((part) => part === '..' || part === '.')) throw badUrl(`the prefix "${prefix}" has "." or ".." in it`, 'use a plain prefix such as mattermost/prod');
  return trimmed ? `${trimmed}/` : '';
}

function parseEndpoint(value: string | null): string | undefined {
  if (!value) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw badUrl(`the endpoint "${value}" is not a URL`, 'give it as ?endpoint=https://host:port');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badUrl(`the endpoint "${value}" is not http(s)`, 'give it as ?endpoint=https://host:port');
  if (parsed.username || parsed.password) throw badUrl(`the endpoint ${value} holds credentials`, 'put them in MMBACKUP_S3_ACCESS_KEY_ID / MMBACKUP_S3_SECRET_ACCESS_KEY instead');
  return value.replace(/\/+$/, '');
}

function parseBoolean(value: string | null, fallback: boolean): boolean {
  if (value === null || value === '') return fallback;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw badUrl(`forcePathStyle=${value} is neither true nor false`, 'use forcePathStyle=true or forcePathStyle=false');
}

/** MMBACKUP_S3_* credentials when given; the standard AWS variables are left to the SDK but still redacted. */
function credentialsFrom(env: NodeJS.ProcessEnv): S3Credentials | undefined {
  registerSecret(env.AWS_SECRET_ACCESS_KEY);
  registerSecret(env.AWS_SESSION_TOKEN);
  const accessKeyId = env.MMBACKUP_S3_ACCESS_KEY_ID;
  const secretAccessKey = env.MMBACKUP_S3_SECRET_ACCESS_KEY;
  registerSecret(secretAccessKey);
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    throw new MmBackupError({
      step: 'open-repository',
      code: 'S3_CREDENTIALS_INCOMPLETE',
      message: `only ${accessKeyId ? 'MMBACKUP_S3_ACCESS_KEY_ID' : 'MMBACKUP_S3_SECRET_ACCESS_KEY'} is set`,
      fix: 'set both MMBACKUP_S3_ACCESS_KEY_ID and MMBACKUP_S3_SECRET_ACCESS_KEY, or neither to use the AWS credentials',
      exitCode: ExitCode.usage,
    });
  }
  return { accessKeyId, secretAccessKey };
}

/** The location as shown to people: `s3://bucket/prefix (endpoint host)`, never a key or an endpoint's path. */
export function describeS3Location(location: Pick<S3Location, 'bucket' | 'prefix' | 'endpoint'>): string {
  const where = `s3://${location.bucket}${location.prefix ? `/${location.prefix.replace(/\/$/, '')}` : ''}`;
  const host = location.endpoint ? new URL(location.endpoint).host : 'AWS';
  return redact(`${where} (${host})`);
}
