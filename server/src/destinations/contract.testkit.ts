/**
 * The contract every Destination keeps (see ./destination.ts), as one jest suite that each implementation
 * runs against a real store: describeDestination('local', () => new LocalDestination(tmp)).
 */
import { randomBytes } from 'node:crypto';
import type { Destination } from './destination';

export function describeDestination(label: string, make: () => Promise<{ destination: Destination; cleanup(): Promise<void> }>): void {
  describe(`Destination contract: ${label}`, () => {
    let destination: Destination;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ destination, cleanup } = await make());
    });
    afterEach(async () => cleanup());

    test('save then load returns the same bytes', async () => {
      const data = Buffer.from('hello \u00e9\u{1F600} world');
      await destination.save('objects/ab/abcdef', data);
      expect((await destination.load('objects/ab/abcdef')).equals(data)).toBe(true);
    });

    test('save of parts stores them one after the other, as one object', async () => {
      // More parts than one writev call takes, an empty one among them, and one of a few hundred KiB.
      const parts = [Buffer.from('head'), Buffer.alloc(0), ...Array.from({ length: 1500 }, (_, i) => Buffer.from(`part ${i};`)), randomBytes(300_000)];
      await destination.save('data/ab/parts', parts);
      const whole = Buffer.concat(parts);
      expect((await destination.load('data/ab/parts')).equals(whole)).toBe(true);
      expect((await destination.stat('data/ab/parts')).size).toBe(whole.length);
      expect((await destination.load('data/ab/parts', { offset: 4, length: 7 })).toString()).toBe('part 0;');
    });

    test('ranged load returns exactly the range', async () => {
      const data = Buffer.from('0123456789');
      await destination.save('snapshots/s1', data);
      expect((await destination.load('snapshots/s1', { offset: 3, length: 4 })).toString()).toBe('3456');
    });

    test('stat reports the size; a missing name is not found', async () => {
      await destination.save('keys/k1', Buffer.alloc(1234, 7));
      expect((await destination.stat('keys/k1')).size).toBe(1234);
      const missing = await destination.stat('keys/none').catch((e) => e);
      expect(destination.isNotFound(missing)).toBe(true);
      const missingLoad = await destination.load('keys/none').catch((e) => e);
      expect(destination.isNotFound(missingLoad)).toBe(true);
    });

    test('list yields every name under a prefix once and nothing else', async () => {
      await destination.save('objects/aa/aa1', Buffer.from('1'));
      await destination.save('objects/bb/bb2', Buffer.from('22'));
      await destination.save('snapshots/x', Buffer.from('333'));
      const names: string[] = [];
      for await (const o of destination.list('objects/')) names.push(`${o.name}:${o.size}`);
      expect(names.sort()).toEqual(['objects/aa/aa1:1', 'objects/bb/bb2:2']);
      const none: string[] = [];
      for await (const o of destination.list('locks/')) none.push(o.name);
      expect(none).toEqual([]);
    });

    test('save overwrites whole; remove deletes; removing a missing name is fine', async () => {
      await destination.save('config', Buffer.from('first version, longer'));
      await destination.save('config', Buffer.from('second'));
      expect((await destination.load('config')).toString()).toBe('second');
      await destination.remove('config');
      await destination.remove('config');
      expect(destination.isNotFound(await destination.load('config').catch((e) => e))).toBe(true);
    });

    test('exclusive save refuses an existing name', async () => {
      await destination.save('locks/l1', Buffer.from('a'), { exclusive: true });
      const err = await destination.save('locks/l1', Buffer.from('b'), { exclusive: true }).catch((e) => e);
      expect(destination.isAlreadyExists(err)).toBe(true);
      expect((await destination.load('locks/l1')).toString()).toBe('a');
    });

    test('an object is invisible to list until its save completes', async () => {
      const big = Buffer.alloc(8 * 1024 * 1024, 1);
      const saving = destination.save('snapshots/big', big);
      const seen: number[] = [];
      for await (const o of destination.list('snapshots/')) seen.push(o.size);
      await saving;
      for (const size of seen) expect(size).toBe(big.length);
      expect((await destination.stat('snapshots/big')).size).toBe(big.length);
    });
  });
}
