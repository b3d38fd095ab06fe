/**
 * A Destination held in this process's memory (restic's backend/mem): for tests of the engine and the
 * repository that need no disk, database or S3 server, and for measuring the engine alone. It keeps the
 * whole contract of ./destination.ts (atomic saves, exclusive saves, ranges, listing) and counts the
 * calls made to it, so tests can assert how many requests an operation needs.
 */
import { partsOf, type Destination, type ObjectBytes, type SaveOptions, type StoredObject } from './destination';

class MemoryError extends Error {
  constructor(
    message: string,
    readonly code: 'NotFound' | 'AlreadyExists',
  ) {
    super(message);
  }
}

export class MemoryDestination implements Destination {
  readonly location: string;
  readonly connections?: number;
  /** Calls made, by operation (removeMany counts requests, not names). */
  readonly calls = { save: 0, load: 0, stat: 0, list: 0, remove: 0, removeMany: 0 };
  private readonly objects = new Map<string, Buffer>();

  constructor(name = 'memory', connections?: number) {
    this.location = `memory:${name}`;
    this.connections = connections;
  }

  async save(name: string, data: ObjectBytes, options: SaveOptions = {}): Promise<void> {
    this.calls.save++;
    const copy = Buffer.concat(partsOf(data)); // a copy: the caller may reuse its buffers
    await Promise.resolve(); // an answer never comes back in the same turn, as with a real store
    if (options.exclusive && this.objects.has(name)) throw new MemoryError(`${name} already exists in ${this.location}`, 'AlreadyExists');
    this.objects.set(name, copy);
  }

  async load(name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    this.calls.load++;
    const data = this.get(name);
    await Promise.resolve();
    return Buffer.from(range ? data.subarray(range.offset, range.offset + range.length) : data);
  }

  async stat(name: string): Promise<StoredObject> {
    this.calls.stat++;
    return { name, size: this.get(name).length };
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    this.calls.list++;
    const names = [...this.objects.keys()].filter((name) => name.startsWith(prefix));
    for (const name of names) {
      const data = this.objects.get(name);
      if (data) yield { name, size: data.length };
    }
  }

  async remove(name: string): Promise<void> {
    this.calls.remove++;
    this.objects.delete(name);
  }

  async removeMany(names: string[]): Promise<void> {
    this.calls.removeMany += Math.ceil(names.length / 1000);
    for (const name of names) this.objects.delete(name);
  }

  isNotFound(err: unknown): boolean {
    return err instanceof MemoryError && err.code === 'NotFound';
  }

  isAlreadyExists(err: unknown): boolean {
    return err instanceof MemoryError && err.code === 'AlreadyExists';
  }

  isPermanent(): boolean {
    return false;
  }

  /** For fault tests: the stored bytes themselves (changing them changes the store). */
  raw(name: string): Buffer {
    return this.get(name);
  }

  private get(name: string): Buffer {
    const data = this.objects.get(name);
    if (!data) throw new MemoryError(`${name} does not exist in ${this.location}`, 'NotFound');
    return data;
  }
}
