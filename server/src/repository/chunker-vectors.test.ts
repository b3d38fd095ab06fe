/**
 * Chunker test vectors: a fixed input, a fixed seed and the exact cut points the chunker gave when they were
 * recorded. Deduplication against every existing backup depends on these boundaries: a chunker change that
 * moves them (a "faster" scan, another mask) makes every later backup store everything again. If this test
 * fails, the change is a new chunker, which needs a new repository format version, not an edit here.
 */
import { createHash } from 'node:crypto';
import { ChunkCutter, DEFAULT_CHUNKER, gearTable, type ChunkerParams } from './chunker';
import { cutAll } from './chunker.testkit';

/** Deterministic, incompressible-looking input: SHA-256 of "mmbackup chunker vector <n>", concatenated. */
function vectorInput(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let block = 0; block * 32 < bytes; block++) createHash('sha256').update(`mmbackup chunker vector ${block}`).digest().copy(out, block * 32);
  return out;
}

function cutPoints(data: Buffer, params: ChunkerParams, piece: number): number[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += piece) parts.push(data.subarray(i, i + piece));
  let at = 0;
  return cutAll(new ChunkCutter(gearTable(SEED), params), parts).map((chunk) => (at += chunk.length));
}

const SEED = Buffer.from('mmbackup chunker test vector seed');

describe('chunker test vectors', () => {
  test('the gear table derived from the seed', () => {
    expect(Array.from(gearTable(SEED).slice(0, 4))).toEqual([1305864317, 268974635, 2004909227, -1618701560]);
  });

  test('small parameters (1 KiB / 4 KiB / 16 KiB) on 256 KiB: exact cut points', () => {
    const data = vectorInput(256 * 1024);
    expect(createHash('sha256').update(data).digest('hex')).toBe('4cf62b166ca6461710791d1196b5b3f890a9b50bd7caa1ccb8677f3620e4cdf9');
    const expected = [
      5055, 10964, 16049, 17090, 21225, 25058, 30591, 35624, 40935, 42628, 45011, 49439, 51212, 55359, 61193, 65307, 68544, 72916, 77714, 79890, 83346, 89137, 94227, 98800,
      103585, 107898, 109554, 115392, 120052, 125753, 131397, 136086, 139258, 143955, 148465, 153399, 157519, 161119, 165264, 170577, 173262, 178392, 182807, 187350, 191695,
      196355, 201211, 209996, 215786, 221857, 226154, 230262, 234406, 235889, 239081, 246369, 250472, 255473, 261580, 262144,
    ];
    const params = { minSize: 1024, avgSize: 4096, maxSize: 16384 };
    expect(cutPoints(data, params, 65536)).toEqual(expected);
    expect(cutPoints(data, params, 777)).toEqual(expected); // however the input is split into reads
  });

  test('the default parameters (512 KiB / 1 MiB / 4 MiB) on 12 MiB: exact cut points', () => {
    expect(DEFAULT_CHUNKER).toEqual({ minSize: 524288, avgSize: 1048576, maxSize: 4194304 });
    const data = vectorInput(12 * 1024 * 1024);
    expect(createHash('sha256').update(data).digest('hex')).toBe('deaf0ebe8ed4926081fecf3e6c0c1a97555b6776dd9c998b9ca2a16b6fd9132f');
    const expected = [1611186, 2741900, 3941349, 5197171, 6010223, 7137110, 8288235, 9448166, 10658340, 12067651, 12582912];
    expect(cutPoints(data, DEFAULT_CHUNKER, 1 << 20)).toEqual(expected);
  });
});
