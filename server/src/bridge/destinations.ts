/**
 * Where the backups go, as the System Console shows it, and the "test connection" button: each destination
 * is opened (its repository config read and authenticated with the bridge's keys), a small probe object is
 * written, read back and removed, and the time it all took is reported. A failure is an answer, not an
 * error: it names what failed and the fix (bucket missing, access denied, directory not writable), with the
 * location in its shown form (a path, or s3://bucket/prefix (host)) and never a credential.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { asMmBackupError, MmBackupError, systemCode } from '../common/errors';
import { redact } from '../common/redact';
import type { DestinationTestResult, DestinationView, DestinationsView } from '../api/core';
import type { Destination } from '../destinations/destination';
import { LocalDestination } from '../destinations/local';
import { openDestination } from '../destinations/open';
import { isS3Url } from '../destinations/s3/url';
import { storageError } from '../engine/storage-errors';
import { Repository } from '../repository/repository';

/** A probe that has not answered by then fails: the admin is waiting on the button. */
export const PROBE_TIMEOUT_MS = 20_000;

/** One destination as configured: opened, or why it could not even be opened (a malformed URL). */
export interface ConfiguredDestination {
  role: DestinationView['role'];
  kind: DestinationView['kind'];
  location: string;
  destination?: Destination;
  openError?: MmBackupError;
}

function kindOf(location: string): DestinationView['kind'] {
  return /^s3:\/\//i.test(location) ? 's3' : 'local';
}

export interface DestinationOptions {
  /** Where S3 credentials come from (MMBACKUP_S3_*); default process.env, the bridge's environment file. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The off-site repository (MMBACKUP_OFFSITE_REPO), opened without touching the network. */
export function offsiteDestination(url: string, env: NodeJS.ProcessEnv = process.env): ConfiguredDestination {
  try {
    // Few retries: a test connection should answer in seconds, and a backup's copy opens its own.
    const destination = openDestination(url, { env, onRetry: () => {}, retry: { attempts: 2, baseDelayMs: 250 } });
    return { role: 'offsite', kind: kindOf(destination.location), location: destination.location, destination };
  } catch (err) {
    return { role: 'offsite', kind: isS3Url(url) ? 's3' : 'local', location: shownUrl(url), openError: asMmBackupError(err, 'open-repository') };
  }
}

/** A URL that could not be parsed, shown without credentials or query: scheme, host and path at most. */
function shownUrl(url: string): string {
  return redact(url.replace(/\/\/[^@/]*@/, '//').replace(/[?#].*$/, ''));
}

export function destinationsView(primary: Repository, offsiteUrl: string, options: DestinationOptions = {}): DestinationsView {
  const primaryView: DestinationView = { role: 'primary', kind: kindOf(primary.destination.location), location: primary.destination.location };
  const views = [primaryView];
  if (offsiteUrl) {
    const { role, kind, location } = offsiteDestination(offsiteUrl, options.env);
    views.push({ role, kind, location });
  }
  return { destinations: views, encryption: { keyFingerprint: primary.fingerprint } };
}

/** Probes the primary repository and the off-site one (when set), at the same time. */
export async function testDestinations(primary: Repository, offsiteUrl: string, options: DestinationOptions = {}): Promise<DestinationTestResult[]> {
  const configured: ConfiguredDestination[] = [{ role: 'primary', kind: kindOf(primary.destination.location), location: primary.destination.location, destination: primary.destination }];
  if (offsiteUrl) configured.push(offsiteDestination(offsiteUrl, options.env));
  return Promise.all(configured.map((c) => testOne(c, primary, options.timeoutMs ?? PROBE_TIMEOUT_MS)));
}

async function testOne(configured: ConfiguredDestination, primary: Repository, timeoutMs: number): Promise<DestinationTestResult> {
  const { role, location } = configured;
  const started = Date.now();
  const result = (ok: boolean, message: string, fix: string): DestinationTestResult => ({ role, location, ok, latencyMs: Date.now() - started, message: redact(message), fix: redact(fix) });
  if (!configured.destination) return result(false, configured.openError?.message ?? `${location} cannot be opened`, configured.openError?.fix ?? 'check MMBACKUP_OFFSITE_REPO');
  try {
    const note = await withTimeout(probe(configured.destination, role, primary), timeoutMs, location);
    return result(true, `${location} is reachable and writable: a test object was written, read back and removed${note}`, '');
  } catch (err) {
    const failure = asMmBackupError(err, 'test-destination');
    return result(false, failure.message, failure.fix ?? '');
  }
}

/**
 * Opens the repository at `destination` with the bridge's keys, then writes, reads back and removes a probe
 * object under preflight/ (where backups probe too, so a leftover is recognised as one). Resolves with a
 * note for the success message. Failures say which stage failed: a missing file while opening is a missing
 * repository, while writing it is a directory that cannot be written.
 */
async function probe(destination: Destination, role: DestinationView['role'], primary: Repository): Promise<string> {
  let note = '';
  try {
    if (role === 'primary' || (await Repository.existsAt(destination))) {
      const twin = await Repository.openTwin(destination, primary);
      if (!twin) throw notOurs(destination.location, role);
    } else {
      note = '; it holds no repository yet: the first off-site copy creates it';
    }
  } catch (err) {
    throw openFailure(err, destination.location);
  }
  const name = `preflight/connection-test-${randomBytes(8).toString('hex')}`;
  const data = randomBytes(64);
  try {
    await destination.save(name, data);
    const back = await destination.load(name);
    if (!back.equals(data)) throw new MmBackupError({ step: 'test-destination', code: 'PROBE_MISMATCH', message: `the test object read back from ${destination.location} differs from what was written`, fix: 'the storage is corrupting data: check the disk or the S3 service before trusting backups to it' });
  } catch (err) {
    throw await writeFailure(err, destination);
  } finally {
    await destination.remove(name).catch(() => {});
  }
  return note;
}

function notOurs(location: string, role: DestinationView['role']): MmBackupError {
  return new MmBackupError({
    step: 'test-destination',
    code: 'REPO_MISMATCH',
    message: `${location} holds a repository that the bridge's key does not open: it is not ${role === 'primary' ? 'the repository the bridge started with' : 'a copy of the primary repository'}`,
    fix: role === 'primary' ? 'restart the bridge so that it opens the repository configured now' : 'point MMBACKUP_OFFSITE_REPO at an empty location or at a copy made by mmbackup copy',
  });
}

/** Opening failed: a missing config is a missing repository; anything else keeps its own words. */
function openFailure(err: unknown, location: string): MmBackupError {
  if (err instanceof MmBackupError) return err;
  const code = systemCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new MmBackupError({
      step: 'test-destination',
      code: 'REPO_NOT_FOUND',
      message: `there is no repository at ${location}`,
      fix: 'check the path in MMBACKUP_REPO (or MMBACKUP_OFFSITE_REPO), or create the repository with mmbackup init',
    });
  }
  return storageError(err, location);
}

/**
 * Writing failed. On a local directory the operating system is asked why (Node reports a read-only file
 * system as ENOENT when it cannot create a directory; access(2) tells EROFS and EACCES apart).
 */
async function writeFailure(err: unknown, destination: Destination): Promise<MmBackupError> {
  if (err instanceof MmBackupError) return err;
  let cause = err;
  if (destination instanceof LocalDestination) {
    await fs.access(destination.location, fsConstants.W_OK).catch((accessErr: unknown) => (cause = accessErr));
  }
  const code = systemCode(cause);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new MmBackupError({
      step: 'test-destination',
      code: 'REPO_NOT_WRITABLE',
      message: `cannot create the test object in ${destination.location} (${code})`,
      fix: 'check that the directory exists and that this user may write there',
      cause,
    });
  }
  return storageError(cause, destination.location);
}

function withTimeout<T>(work: Promise<T>, ms: number, location: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MmBackupError({
      step: 'test-destination',
      code: 'PROBE_TIMEOUT',
      message: `${location} did not answer within ${Math.round(ms / 1000)} s`,
      fix: 'check that the storage is reachable from this host (network, firewall, proxy, the S3 endpoint or the mounted disk)',
    })), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
