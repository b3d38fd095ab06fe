/**
 * The retry decorator's own logic, on a tiny in-memory Destination scripted to fail. Retries against the
 * real S3 server, through a fault-injecting proxy, are in s3/faults.test.ts.
 */
import { ExitCode, MmBackupError } from '../common/errors';
import { registerSecret } from '../common/redact';
import type { Destination, StoredObject } from './destination';
import { isTransientError, retryDelay, TransientError, withRetries } from './retry';

const slowDown = () => Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
const denied = () => Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
const missing = () => Object.assign(new Error('not there'), { code: 'ENOENT' });
const taken = () => Object.assign(new Error('exists'), { code: 'EEXIST' });

/** A Map that throws the scripted errors, one per call, before doing the work. */
class FakeDestination implements Destination {
  readonly location = 'memory://test';
  readonly objects = new Map<string, Buffer>();
  failures: Array<() => Error> = [];
  /** When set, a save stores its bytes and then fails with this (an answer lost after the write landed). */
  loseAnswerOnce?: () => Error;
  calls = 0;

  private maybeFail(): void {
    this.calls++;
    const next = this.failures.shift();
    if (next) throw next();
  }

  async save(name: string, data: Buffer, options: { exclusive?: boolean } = {}): Promise<void> {
    this.maybeFail();
    if (options.exclusive && this.objects.has(name)) throw taken();
    this.objects.set(name, Buffer.from(data));
    const lost = this.loseAnswerOnce;
    this.loseAnswerOnce = undefined;
    if (lost) throw lost();
  }

  async load(name: string): Promise<Buffer> {
    this.maybeFail();
    const data = this.objects.get(name);
    if (!data) throw missing();
    return data;
  }

  async stat(name: string): Promise<StoredObject> {
    return { name, size: (await this.load(name)).length };
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for (const [name, data] of this.objects) {
      if (!name.startsWith(prefix)) continue;
      this.maybeFail();
      yield { name, size: data.length };
    }
  }

  async remove(name: string): Promise<void> {
    this.maybeFail();
    this.objects.delete(name);
  }

  isNotFound = (err: unknown) => (err as { code?: string }).code === 'ENOENT';
  isAlreadyExists = (err: unknown) => (err as { code?: string }).code === 'EEXIST';
  isPermanent = (err: unknown) => (err as { name?: string }).name === 'AccessDenied';
}

function setup(attempts = 4) {
  const fake = new FakeDestination();
  const lines: string[] = [];
  const destination = withRetries(fake, { attempts, baseDelayMs: 1, maxDelayMs: 4, onRetry: (line) => lines.push(line) });
  return { fake, lines, destination };
}

describe('withRetries', () => {
  test('transient failures are retried, each retry reported, and the save lands once', async () => {
    const { fake, lines, destination } = setup();
    fake.failures = [slowDown, reset];
    await destination.save('objects/ab/1', Buffer.from('data'));
    expect(fake.calls).toBe(3);
    expect(fake.objects.get('objects/ab/1')?.toString()).toBe('data');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('save "objects/ab/1" on memory://test failed: Please reduce your request rate.; retrying in 0.0 s (attempt 2 of 4)');
    expect(lines[1]).toMatch(/: socket hang up; retrying in .* \(attempt 3 of 4\)$/);
  });

  test.each([
    ['permanent', denied],
    ['not found', missing],
    ['not known to be transient', () => new TypeError('a bug')],
  ])('a %s failure is not retried and passes through untouched', async (_label, failure) => {
    const { fake, lines, destination } = setup();
    const thrown = failure();
    fake.failures = [() => thrown];
    await expect(destination.load('config')).rejects.toBe(thrown);
    expect(fake.calls).toBe(1);
    expect(lines).toEqual([]);
  });

  test('gives up after the attempts, saying so on an MmBackupError', async () => {
    const { fake, lines, destination } = setup(3);
    const wrapped = () => new MmBackupError({ step: 'repository-s3', code: 'S3_REQUEST_FAILED', message: 'load "config" failed', fix: 'check', exitCode: ExitCode.failed, cause: slowDown() });
    fake.failures = [wrapped, wrapped, wrapped, wrapped];
    const err = await destination.load('config').catch((e) => e);
    expect(fake.calls).toBe(3);
    expect(lines).toHaveLength(2);
    expect(err).toBeInstanceOf(MmBackupError);
    expect(err.message).toBe('load "config" failed (gave up after 3 attempts)');
    expect(err.code).toBe('S3_REQUEST_FAILED');
    expect(err.fix).toBe('check');
  });

  test('a listing that breaks off is restarted without giving a name twice', async () => {
    const { fake, lines, destination } = setup();
    for (const n of ['a', 'b', 'c']) fake.objects.set(`locks/${n}`, Buffer.from(n));
    // The third item fails: the first two were already given, and must not come again.
    let calls = 0;
    const original = fake.list.bind(fake);
    fake.list = async function* (prefix: string) {
      for await (const o of original(prefix)) {
        if (++calls === 3) throw reset();
        yield o;
      }
    };
    const names: string[] = [];
    for await (const o of destination.list('locks/')) names.push(o.name);
    expect(names.sort()).toEqual(['locks/a', 'locks/b', 'locks/c']);
    expect(lines).toHaveLength(1);
  });

  test('an exclusive save whose answer was lost after it landed succeeds on retry', async () => {
    const { fake, destination } = setup();
    fake.loseAnswerOnce = reset;
    await destination.save('locks/mine', Buffer.from('me'), { exclusive: true });
    expect(fake.objects.get('locks/mine')?.toString()).toBe('me');
  });

  test("an exclusive save still fails when the name holds someone else's bytes", async () => {
    const { fake, destination } = setup();
    fake.objects.set('locks/theirs', Buffer.from('them'));
    const err = await destination.save('locks/theirs', Buffer.from('me'), { exclusive: true }).catch((e) => e);
    expect(destination.isAlreadyExists(err)).toBe(true);
    fake.failures = [reset];
    const again = await destination.save('locks/theirs', Buffer.from('me'), { exclusive: true }).catch((e) => e);
    expect(destination.isAlreadyExists(again)).toBe(true);
  });

  test('retry lines are redacted', async () => {
    registerSecret('s3cr3t-in-a-message');
    const { fake, lines, destination } = setup();
    fake.failures = [() => Object.assign(new Error('upstream said s3cr3t-in-a-message'), { code: 'ETIMEDOUT' })];
    await destination.save('x', Buffer.from('1'));
    expect(lines[0]).toContain('upstream said ***');
  });

  test('freeSpace is passed through only when the destination has it', async () => {
    expect(setup().destination.freeSpace).toBeUndefined();
    const fake = new FakeDestination() as FakeDestination & { freeSpace(): Promise<number> };
    fake.freeSpace = async () => 42;
    expect(await withRetries(fake).freeSpace?.()).toBe(42);
  });
});

describe('isTransientError', () => {
  test.each([
    [{ $metadata: { httpStatusCode: 500 } }, true],
    [{ $metadata: { httpStatusCode: 503 }, name: 'SlowDown' }, true],
    [{ $metadata: { httpStatusCode: 429 } }, true],
    [{ name: 'RequestTimeout', $metadata: { httpStatusCode: 400 } }, true],
    [{ code: 'EPIPE' }, true],
    [{ name: 'TimeoutError' }, true],
    [new Error('aborted'), true],
    [new MmBackupError({ step: 's', code: 'C', message: 'm', cause: { code: 'ECONNRESET' } }), true],
    [new TransientError('truncated'), true],
    [{ $metadata: { httpStatusCode: 501 }, name: 'NotImplemented' }, false],
    [{ $metadata: { httpStatusCode: 403 }, name: 'AccessDenied' }, false],
    [{ code: 'ENOSPC' }, false],
    [new TypeError('x is undefined'), false],
  ])('%o -> %s', (err, expected) => {
    expect(isTransientError(err)).toBe(expected);
  });
});

describe('retryDelay', () => {
  test.each([
    // retry, random, delay: base 100 ms doubling, capped at 1 s, jittered to 50-100 %
    [1, 0, 50],
    [1, 0.999999, 100],
    [2, 0, 100],
    [3, 0.5, 300],
    [4, 0.999999, 800],
    [5, 0.999999, 1000],
    [9, 0, 500],
  ])('retry %i with random %d waits %i ms', (retry, random, expected) => {
    expect(retryDelay(retry, 100, 1000, () => random)).toBe(expected);
  });
});
