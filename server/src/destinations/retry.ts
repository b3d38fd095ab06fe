/**
 * withRetries(destination): the same Destination, with transient failures tried again after an
 * exponentially growing, jittered pause (restic's backend/retry). Composed in one place (open.ts), so the
 * S3 client itself makes one attempt per call and every retry is visible through onRetry.
 *
 * Retried: what a later attempt can fix - HTTP 5xx, 408 and 429 (SlowDown, InternalError, RequestTimeout),
 * dropped or timed-out connections (ECONNRESET, EPIPE, ETIMEDOUT, "socket hang up", "aborted").
 * Never retried: isPermanent() failures (403, NoSuchBucket, a full disk), isNotFound(), isAlreadyExists(),
 * and anything not known to be transient (a bug does not get better by repetition).
 */
import { MmBackupError } from '../common/errors';
import { redact } from '../common/redact';
import { joined, type Destination, type ObjectBytes, type SaveChecksum, type SaveOptions, type StoredObject } from './destination';

/** An error a destination knows to be worth another attempt (a truncated response, say). */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 6). */
  attempts?: number;
  /** Pause before the first retry; doubled for each further one (default 500 ms). */
  baseDelayMs?: number;
  /** Longest pause (default 20 s). */
  maxDelayMs?: number;
  /** Told of each retry, with a redacted line for reporter.warn(). */
  onRetry?: (line: string, err: unknown) => void;
  /** In [0, 1); for tests. */
  random?: () => number;
}

const TRANSIENT_CODES = new Set([
  'SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded',
  'OperationAborted', 'ConditionalRequestConflict', 'IncompleteBody', 'BadDigest', 'XAmzContentChecksumMismatch',
  'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNABORTED', 'EAI_AGAIN', 'TimeoutError', 'TransientError',
]);
const TRANSIENT_MESSAGE = /socket hang up|\baborted\b|ECONNRESET|EPIPE|ETIMEDOUT|timed out/i;

/** True when `err`, or an error in its cause chain, is one a later attempt may not meet. */
export function isTransientError(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof TransientError) return true;
    const { name, code, $metadata, message } = e as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number }; message?: unknown };
    const status = $metadata?.httpStatusCode;
    if (typeof status === 'number' && (status >= 500 || status === 408 || status === 429)) return status !== 501;
    if ((typeof code === 'string' && TRANSIENT_CODES.has(code)) || (typeof name === 'string' && TRANSIENT_CODES.has(name))) return true;
    if (typeof message === 'string' && TRANSIENT_MESSAGE.test(message)) return true;
  }
  return false;
}

/** The pause before retry number `retry` (1-based): base * 2^(retry-1), capped, then jittered to 50-100%. */
export function retryDelay(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export function withRetries(destination: Destination, options: RetryOptions = {}): Destination {
  return new RetryingDestination(destination, options);
}

class RetryingDestination implements Destination {
  readonly location: string;
  readonly freeSpace?: () => Promise<number | undefined>;
  readonly checkImmutability?: () => Promise<void>;
  readonly retainedUntil?: (name: string) => Promise<Date | undefined>;
  readonly removeMany?: (names: string[]) => Promise<void>;
  readonly connections?: number;
  get checksWith(): SaveChecksum | undefined {
    return this.inner.checksWith;
  }
  private readonly attempts: number;

  constructor(
    private readonly inner: Destination,
    private readonly options: RetryOptions,
  ) {
    this.location = inner.location;
    this.attempts = Math.max(1, options.attempts ?? 6);
    if (inner.freeSpace) this.freeSpace = () => inner.freeSpace!();
    // Optional features stay absent when the inner store lacks them: callers test for their presence.
    if (inner.checkImmutability) this.checkImmutability = () => this.retry('check Object Lock', () => inner.checkImmutability!());
    if (inner.retainedUntil) this.retainedUntil = (name) => this.retry(`read the retention of "${name}"`, () => inner.retainedUntil!(name));
    // Removing a name twice is harmless, so a batch that failed half-way is simply sent again.
    if (inner.removeMany) this.removeMany = (names) => this.retry(`remove ${names.length} objects`, () => inner.removeMany!(names));
    this.connections = inner.connections;
  }

  async save(name: string, data: ObjectBytes, options: SaveOptions = {}): Promise<void> {
    let failedBefore = false;
    await this.retry(`save "${name}"`, async () => {
      try {
        await this.inner.save(name, data, options);
      } catch (err) {
        // An exclusive write whose answer was lost may have landed: the name then holds our very bytes.
        if (options.exclusive && failedBefore && this.inner.isAlreadyExists(err) && (await this.holds(name, data))) return;
        failedBefore ||= isTransientError(err);
        throw err;
      }
    });
  }

  load(name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    return this.retry(`load "${name}"`, () => this.inner.load(name, range));
  }

  stat(name: string): Promise<StoredObject> {
    return this.retry(`stat "${name}"`, () => this.inner.stat(name));
  }

  remove(name: string): Promise<void> {
    return this.retry(`remove "${name}"`, () => this.inner.remove(name));
  }

  /** A listing that breaks off is started again; names already given are not given twice. */
  async *list(prefix: string): AsyncIterable<StoredObject> {
    const seen = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const object of this.inner.list(prefix)) {
          if (seen.has(object.name)) continue;
          seen.add(object.name);
          yield object;
        }
        return;
      } catch (err) {
        if (!this.shouldRetry(err, attempt)) throw this.gaveUp(err, attempt);
        await this.pause(`list "${prefix}"`, err, attempt);
      }
    }
  }

  isNotFound(err: unknown): boolean {
    return this.inner.isNotFound(err);
  }

  isAlreadyExists(err: unknown): boolean {
    return this.inner.isAlreadyExists(err);
  }

  isPermanent(err: unknown): boolean {
    return this.inner.isPermanent(err);
  }

  private async retry<T>(what: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if (!this.shouldRetry(err, attempt)) throw this.gaveUp(err, attempt);
        await this.pause(what, err, attempt);
      }
    }
  }

  private shouldRetry(err: unknown, attempt: number): boolean {
    if (attempt >= this.attempts) return false;
    if (this.inner.isPermanent(err) || this.inner.isNotFound(err) || this.inner.isAlreadyExists(err)) return false;
    return isTransientError(err);
  }

  private async pause(what: string, err: unknown, attempt: number): Promise<void> {
    const { baseDelayMs = 500, maxDelayMs = 20_000, random, onRetry } = this.options;
    const delay = retryDelay(attempt, baseDelayMs, maxDelayMs, random);
    const reason = err instanceof Error ? err.message : String(err);
    // Errors from S3Destination already say what failed where; others get it said for them.
    const line = reason.includes(this.location) ? reason : `${what} on ${this.location} failed: ${reason}`;
    onRetry?.(redact(`${line}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${this.attempts})`), err);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }

  /** After retries, the error says so; a first-attempt failure is passed on untouched. */
  private gaveUp(err: unknown, attempt: number): unknown {
    if (attempt === 1 || !(err instanceof MmBackupError)) return err;
    return new MmBackupError({ step: err.step, code: err.code, message: `${err.message} (gave up after ${attempt} attempts)`, fix: err.fix, exitCode: err.exitCode, cause: err.cause });
  }

  private async holds(name: string, data: ObjectBytes): Promise<boolean> {
    try {
      return (await this.inner.load(name)).equals(joined(data));
    } catch {
      return false;
    }
  }
}
