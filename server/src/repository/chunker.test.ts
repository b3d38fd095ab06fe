import { randomBytes } from 'node:crypto';
import { ChunkCutter, DEFAULT_CHUNKER, gearTable } from './chunker';
import { cutAll } from './chunker.testkit';

function chunk(data: Buffer, seed: Buffer, piece = 65536): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += piece) parts.push(data.subarray(i, i + piece));
  return cutAll(new ChunkCutter(gearTable(seed)), parts);
}

describe('ChunkCutter', () => {
  const seed = Buffer.from('test seed');
  const data = randomBytes(24 * 1024 * 1024);

  test('chunks reassemble to the input and respect min and max sizes', () => {
    const chunks = chunk(data, seed);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    chunks.slice(0, -1).forEach((c) => {
      expect(c.length).toBeGreaterThanOrEqual(DEFAULT_CHUNKER.minSize);
      expect(c.length).toBeLessThanOrEqual(DEFAULT_CHUNKER.maxSize);
    });
    const average = data.length / chunks.length;
    expect(average).toBeGreaterThan(600 * 1024);
    expect(average).toBeLessThan(2 * 1024 * 1024);
  });

  test('a cutter that owns its input frees each input buffer once cut, and cuts the same chunks', () => {
    const inputs: Buffer[] = [];
    for (let i = 0; i < data.length; i += 256 * 1024) {
      const piece = Buffer.allocUnsafeSlow(Math.min(256 * 1024, data.length - i));
      data.copy(piece, 0, i, i + piece.length);
      inputs.push(piece);
    }
    const out = cutAll(new ChunkCutter(gearTable(seed), DEFAULT_CHUNKER, true), inputs);
    expect(out.map((c) => c.length)).toEqual(chunk(data, seed).map((c) => c.length));
    expect(Buffer.concat(out).equals(data)).toBe(true);
    expect(inputs.every((piece) => (piece.buffer as ArrayBuffer & { detached: boolean }).detached)).toBe(true);
  });

  test('boundaries do not depend on how the input is split into reads', () => {
    const a = chunk(data, seed, 65536);
    const b = chunk(data, seed, 1000003);
    expect(a.map((c) => c.length)).toEqual(b.map((c) => c.length));
  });

  test('an insertion near the start leaves most later chunks unchanged', () => {
    const edited = Buffer.concat([data.subarray(0, 1000), Buffer.from('inserted row'), data.subarray(1000)]);
    const key = (c: Buffer) => c.toString('base64', 0, 64) + c.length;
    const before = new Set(chunk(data, seed).map(key));
    const after = chunk(edited, seed);
    const shared = after.filter((c) => before.has(key(c))).length;
    expect(shared).toBeGreaterThanOrEqual(after.length - 2);
  });

  test('an empty input gives no chunks; a small input one chunk', () => {
    expect(chunk(Buffer.alloc(0), seed)).toEqual([]);
    const small = chunk(Buffer.from('tiny'), seed);
    expect(small.map(String)).toEqual(['tiny']);
  });

  test('another seed gives other boundaries', () => {
    const a = chunk(data, seed).map((c) => c.length);
    const b = chunk(data, Buffer.from('other seed')).map((c) => c.length);
    expect(a).not.toEqual(b);
  });
});
