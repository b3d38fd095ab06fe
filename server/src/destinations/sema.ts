/**
 * Bounded concurrency, in one place (restic's backend/sema). Every operation on a repository fans out
 * through these, sized by its destination's `connections`, instead of each writing its own worker loop:
 *
 * - withConnectionLimit(destination, n): the same Destination, with at most n calls (save, load, stat,
 *   remove, retainedUntil) in flight; the others wait their turn. open.ts composes it under the retries,
 *   so a pause before a retry holds no slot. list() is not limited: a consumer that loads inside a
 *   listing loop would otherwise wait for a slot its own listing holds.
 * - forEachLimited(items, limit, run): runs `run` over items (an array or a stream of them), at most
 *   `limit` at once; after the first failure no new item starts, and the ones in flight settle before it
 *   rejects, so nothing writes after the caller moved on (or unlocked).
 * - OrderedWindow: starts tasks as they come, up to `limit` ahead, and gives their results back in the
 *   order they were started (a capture's listing must be written in walk order, a blob's chunks in order).
 */
import type { Destination, ObjectBytes, SaveChecksum, SaveOptions, StoredObject } from './destination';

/** A destination's parallelism when it states none. */
export const DEFAULT_CONNECTIONS = 4;

export function connectionsOf(destination: Destination): number {
  return Math.max(1, destination.connections ?? DEFAULT_CONNECTIONS);
}

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over, not freed
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export function withConnectionLimit(destination: Destination, connections: number): Destination {
  return new LimitedDestination(destination, connections);
}

class LimitedDestination implements Destination {
  readonly location: string;
  readonly connections: number;
  get checksWith(): SaveChecksum | undefined {
    return this.inner.checksWith;
  }
  readonly freeSpace?: () => Promise<number | undefined>;
  readonly checkImmutability?: () => Promise<void>;
  readonly retainedUntil?: (name: string) => Promise<Date | undefined>;
  private readonly semaphore: Semaphore;

  constructor(
    private readonly inner: Destination,
    connections: number,
  ) {
    this.location = inner.location;
    this.connections = connections;
    this.semaphore = new Semaphore(connections);
    if (inner.freeSpace) this.freeSpace = () => inner.freeSpace!();
    if (inner.checkImmutability) this.checkImmutability = () => inner.checkImmutability!();
    if (inner.retainedUntil) this.retainedUntil = (name) => this.semaphore.run(() => inner.retainedUntil!(name));
    if (inner.removeMany) this.removeMany = (names) => this.semaphore.run(() => inner.removeMany!(names));
  }

  readonly removeMany?: (names: string[]) => Promise<void>;

  save(name: string, data: ObjectBytes, options?: SaveOptions): Promise<void> {
    return this.semaphore.run(() => this.inner.save(name, data, options));
  }

  load(name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    return this.semaphore.run(() => this.inner.load(name, range));
  }

  stat(name: string): Promise<StoredObject> {
    return this.semaphore.run(() => this.inner.stat(name));
  }

  list(prefix: string): AsyncIterable<StoredObject> {
    return this.inner.list(prefix);
  }

  remove(name: string): Promise<void> {
    return this.semaphore.run(() => this.inner.remove(name));
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
}

export async function forEachLimited<T>(items: Iterable<T> | AsyncIterable<T>, limit: number, run: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  // The loop below waits for a slot through this, not Promise.race(inFlight): each race leaves a reaction
  // on every task still running, so one long task (a restore's batch of 4,000 small files) gathered one per
  // item started meanwhile: 31,000 promises in a restore of 300,000 files.
  let slotFreed: (() => void) | undefined;
  const start = (item: T) => {
    const task: Promise<void> = run(item)
      .catch((err) => void (failure ??= { err }))
      .finally(() => {
        inFlight.delete(task);
        slotFreed?.();
      });
    inFlight.add(task);
  };
  try {
    for await (const item of items) {
      if (failure) break;
      signal?.throwIfAborted();
      start(item);
      while (inFlight.size >= Math.max(1, limit)) await new Promise<void>((resolve) => (slotFreed = resolve));
    }
  } catch (err) {
    failure ??= { err }; // the items' source (a listing) failed, or the signal fired
  }
  await Promise.all(inFlight);
  if (failure) throw failure.err;
}

/**
 * A budget of bytes shared by tasks that each hold some while they run: memory bounded by bytes, not by
 * a count of tasks whose sizes vary from a few KiB to several MiB. A request larger than the whole budget
 * is granted once nothing else is held, so it waits but never deadlocks.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly limit: number) {}

  /** Resolves once `bytes` are held; give them back with release(bytes). Requests are granted in order. */
  acquire(bytes: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.used += bytes;
      return Promise.resolve();
    }
    return new Promise((grant) => this.waiting.push({ bytes, grant }));
  }

  /** Runs `task` holding `bytes` of the budget, given back when it settles. */
  async run<T>(bytes: number, task: () => Promise<T>): Promise<T> {
    await this.acquire(bytes);
    try {
      return await task();
    } finally {
      this.release(bytes);
    }
  }

  release(bytes: number): void {
    this.used -= bytes;
    while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.grant();
    }
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.limit;
  }
}

/** Tasks started up to `limit` ahead, their results taken in start order. */
export class OrderedWindow<T> {
  private readonly pending: Array<Promise<T>> = [];

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.pending.length;
  }

  /** Starts `task`; when the window is then full, waits for and returns the oldest result. */
  async push(task: Promise<T>): Promise<{ value: T } | undefined> {
    task.catch(() => {}); // awaited in order by take(); no unhandled rejection meanwhile
    this.pending.push(task);
    if (this.pending.length < Math.max(1, this.limit)) return undefined;
    return { value: await this.pending.shift()! };
  }

  /** The remaining results, in order. On a failure the tasks still pending are awaited before it rejects. */
  async *drain(): AsyncGenerator<T> {
    try {
      while (this.pending.length > 0) yield await this.pending.shift()!;
    } finally {
      await Promise.allSettled(this.pending.splice(0));
    }
  }
}

/** Removal batch: S3's DeleteObjects limit, and a progress step for stores that remove one by one. */
export const REMOVE_BATCH = 1000;

/**
 * Removes `names` in batches of REMOVE_BATCH: one removeMany() request each where the store has it (S3
 * DeleteObjects), else remove() of each name, as many at once as the store has connections. `onBatch`
 * is told of each batch done (indexes into `names`).
 */
export async function removeInBatches(destination: Destination, names: string[], onBatch: (done: { from: number; to: number }) => void = () => {}): Promise<void> {
  for (let from = 0; from < names.length; from += REMOVE_BATCH) {
    const batch = names.slice(from, from + REMOVE_BATCH);
    if (destination.removeMany) await destination.removeMany(batch);
    else await forEachLimited(batch, connectionsOf(destination), (name) => destination.remove(name));
    onBatch({ from, to: from + batch.length });
  }
}
