import { MAX_OBJECT_SIZE, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE, partSizeFor } from './parts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('partSizeFor', () => {
  test.each([
    [0, 5 * MiB],
    [4 * MiB, 5 * MiB],
    [48 * GiB, 5 * MiB], // 10,000 parts of 5 MiB hold 48.8 GiB
    [50 * GiB, Math.ceil((50 * GiB) / 10_000)],
    [10_000 * 5 * MiB, 5 * MiB],
    [10_000 * 5 * MiB + 1, 5 * MiB + 1],
    [1024 * GiB, Math.ceil((1024 * GiB) / 10_000)],
    [MAX_OBJECT_SIZE, Math.ceil(MAX_OBJECT_SIZE / 10_000)],
  ])('an object of %i bytes goes up in parts of %i bytes', (size, expected) => {
    expect(partSizeFor(size)).toBe(expected);
  });

  test.each([1, 5 * MiB, 48 * GiB, 49 * GiB, 333 * GiB + 7, 2048 * GiB + 3, MAX_OBJECT_SIZE])('%i bytes: at most 10,000 parts, each within S3 limits', (size) => {
    const part = partSizeFor(size);
    expect(Math.ceil(size / part)).toBeLessThanOrEqual(MAX_PARTS);
    expect(part).toBeGreaterThanOrEqual(MIN_PART_SIZE);
    expect(part).toBeLessThanOrEqual(MAX_PART_SIZE);
  });

  test('refuses what S3 cannot store', () => {
    expect(() => partSizeFor(MAX_OBJECT_SIZE + 1)).toThrow(/5 TiB/);
    expect(() => partSizeFor(-1)).toThrow(RangeError);
    expect(() => partSizeFor(1.5)).toThrow(RangeError);
  });
});
