import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalDestination } from './local';
import { MemoryDestination } from './memory';
import { ByteBudget, connectionsOf, DEFAULT_CONNECTIONS, forEachLimited, OrderedWindow, Semaphore, withConnectionLimit } from './sema';

const tick = (ms = 2) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Semaphore', () => {
  test('never runs more than its limit at once, and runs everything', async () => {
    const semaphore = new Semaphore(3);
    let active = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        semaphore.run(async () => {
          peak = Math.max(peak, ++active);
          await tick();
          active--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test('a failing task frees its slot', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.run(async () => 'next')).resolves.toBe('next');
  });
});

describe('forEachLimited', () => {
  test('bounds the items in flight, over an array or an async stream of items', async () => {
    for (const source of [Array.from({ length: 30 }, (_, i) => i), (async function* () { for (let i = 0; i < 30; i++) yield i; })()]) {
      let active = 0;
      let peak = 0;
      const seen: number[] = [];
      await forEachLimited(source, 4, async (i) => {
        peak = Math.max(peak, ++active);
        await tick();
        seen.push(i);
        active--;
      });
      expect(peak).toBe(4);
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }
  });

  test('after a failure no new item starts, and those in flight settle before it rejects', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const run = forEachLimited(Array.from({ length: 50 }, (_, i) => i), 3, async (i) => {
      started.push(i);
      await tick(i === 1 ? 1 : 10);
      settled.push(i);
      if (i === 1) throw new Error('item 1 failed');
    });
    await expect(run).rejects.toThrow('item 1 failed');
    expect(started.length).toBeLessThan(10);
    expect(settled.sort((a, b) => a - b)).toEqual(started.sort((a, b) => a - b));
  });

  test('a long task holds nothing for the items that start and end while it runs', () => {
    // In a child, for --expose-gc: the heap kept while one task waits and 100,000 others come and go.
    const script = `
      const { forEachLimited } = require(${JSON.stringify(path.join(__dirname, 'sema.ts'))});
      let release;
      const long = new Promise((resolve) => (release = resolve));
      let kept;
      forEachLimited((function* () { for (let i = 0; i <= 100000; i++) yield i; })(), 2, async (i) => {
        if (i === 0) return long;
        if (i === 100000) {
          gc();
          kept = process.memoryUsage().heapUsed - before;
          release();
        }
      }).then(() => process.stdout.write(JSON.stringify({ kept })));
      gc();
      const before = process.memoryUsage().heapUsed;
    `;
    const swcRequire = path.resolve(__dirname, '../../test/support/swc-require.js');
    const { kept } = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--require', swcRequire, '-e', script], { encoding: 'utf8' })) as { kept: number };
    // Measured: 31 MB kept while each wait for a slot was a Promise.race over the tasks in flight.
    expect(kept).toBeLessThan(2_000_000);
  });

  test('an aborted signal stops it', async () => {
    const controller = new AbortController();
    const run = forEachLimited(Array.from({ length: 100 }, (_, i) => i), 2, async (i) => {
      if (i === 5) controller.abort();
      await tick();
    }, controller.signal);
    await expect(run).rejects.toThrow(/abort/i);
  });
});

test('OrderedWindow gives results in start order, whatever order they finish in', async () => {
  const window = new OrderedWindow<number>(3);
  const out: number[] = [];
  for (let i = 0; i < 10; i++) {
    const ready = await window.push(tick(10 - i).then(() => i));
    if (ready) out.push(ready.value);
  }
  for await (const value of window.drain()) out.push(value);
  expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

describe('ByteBudget', () => {
  test('holds requests beyond the budget until bytes come back, and grants them in order', async () => {
    const budget = new ByteBudget(10);
    const granted: string[] = [];
    await budget.acquire(6);
    void budget.acquire(5).then(() => granted.push('five'));
    void budget.acquire(1).then(() => granted.push('one')); // would fit, but waits its turn
    await tick();
    expect(granted).toEqual([]);
    budget.release(6);
    await tick();
    expect(granted).toEqual(['five', 'one']);
  });

  test('grants a request larger than the whole budget once nothing else is held', async () => {
    const budget = new ByteBudget(4);
    await budget.acquire(3);
    let big = false;
    void budget.acquire(9).then(() => (big = true));
    await tick();
    expect(big).toBe(false);
    budget.release(3);
    await tick();
    expect(big).toBe(true);
  });
});

test('ByteBudget.run holds the bytes while its task runs and gives them back when it fails', async () => {
  const budget = new ByteBudget(10);
  let release!: () => void;
  const running = budget.run(8, () => new Promise<void>((resolve) => (release = resolve)));
  let next = false;
  const waiting = budget.run(5, async () => void (next = true));
  await tick();
  expect(next).toBe(false);
  release();
  await Promise.all([running, waiting]);
  expect(next).toBe(true);
  await expect(budget.run(10, async () => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
  await expect(Promise.race([budget.run(10, async () => 'granted'), tick().then(() => 'still held')])).resolves.toBe('granted');
});

describe('withConnectionLimit', () => {
  test('bounds the calls in flight to the store and keeps the contract', async () => {
    const inner = new MemoryDestination();
    let active = 0;
    let peak = 0;
    const original = inner.save.bind(inner);
    inner.save = async (name, data, options) => {
      peak = Math.max(peak, ++active);
      await tick();
      active--;
      return original(name, data, options);
    };
    const limited = withConnectionLimit(inner, 5);
    expect(connectionsOf(limited)).toBe(5);
    await Promise.all(Array.from({ length: 40 }, (_, i) => limited.save(`objects/${i}`, Buffer.from([i]))));
    expect(peak).toBe(5);
    expect((await limited.load('objects/7'))[0]).toBe(7);
    expect(limited.isNotFound(await limited.load('objects/none').catch((e) => e))).toBe(true);
    await limited.removeMany!(['objects/1', 'objects/2']);
    expect(limited.isNotFound(await limited.stat('objects/1').catch((e) => e))).toBe(true);
  });

  test('a local directory states its connections; a store that states none gets the default', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-sema-'));
    try {
      expect(connectionsOf(new LocalDestination(dir))).toBe(8);
      expect(connectionsOf(new MemoryDestination())).toBe(DEFAULT_CONNECTIONS);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
