import { randomBytes } from 'node:crypto';
import { isCompressedFormat } from './compressed-formats';
import { sealSync } from './sealing';

const withHeader = (header: number[], at = 0) => {
  const data = Buffer.alloc(64 * 1024, 'compressible text ');
  Buffer.from(header).copy(data, at);
  return data;
};

test('photos, videos and compressed archives are recognized by their first bytes', () => {
  expect(isCompressedFormat(withHeader([0xff, 0xd8, 0xff, 0xe0]))).toBe(true); // JPEG
  expect(isCompressedFormat(withHeader([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true); // PNG
  expect(isCompressedFormat(withHeader([...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBP')]))).toBe(true);
  expect(isCompressedFormat(withHeader([0, 0, 0, 0x20, ...Buffer.from('ftypisom')]))).toBe(true); // MP4
  expect(isCompressedFormat(withHeader([0x1f, 0x8b, 8]))).toBe(true); // gzip
});

test('text, zip and PDF are not: they may hold uncompressed data, which the sample finds', () => {
  expect(isCompressedFormat(Buffer.from('{"SqlSettings": {}}'))).toBe(false);
  expect(isCompressedFormat(withHeader([0x50, 0x4b, 0x03, 0x04]))).toBe(false); // zip
  expect(isCompressedFormat(withHeader([...Buffer.from('%PDF-1.7')]))).toBe(false);
  expect(isCompressedFormat(Buffer.from([0xff, 0xd8]))).toBe(false); // too short to tell
});

test('sealing stores a recognized format as it is, a thumbnail too, and still compresses text of any size', () => {
  const flags = (data: Buffer) => sealSync({ encryption: randomBytes(32), id: randomBytes(32) }, 'x', data, undefined, 2)[0][4]; // magic (4 bytes), then the flags byte
  expect(flags(withHeader([0xff, 0xd8, 0xff]))).toBe(0);
  expect(flags(withHeader([0xff, 0xd8, 0xff]).subarray(0, 2000))).toBe(0); // under the size from which a sample decides
  expect(flags(withHeader([]))).toBe(1);
  expect(flags(withHeader([]).subarray(0, 2000))).toBe(1);
});
