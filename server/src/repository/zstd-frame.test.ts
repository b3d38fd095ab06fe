import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as zlib from 'node:zlib';
import { frameContentSize } from './zstd-frame';

test.each([0, 1, 200, 255, 256, 300, 65791, 65792, 70_000, 5 * 1024 * 1024])('a frame of %i bytes compressed whole declares its size', (size) => {
  const data = Buffer.alloc(size, 'mattermost ');
  expect(frameContentSize(zlib.zstdCompressSync(data))).toBe(size);
  expect(frameContentSize(zlib.zstdCompressSync(data, { pledgedSrcSize: size }))).toBe(size);
  expect(frameContentSize(zlib.zstdCompressSync(randomBytes(size)))).toBe(size);
});

test('a frame streamed without a pledged size declares none, and what is not a frame gives none', async () => {
  const stream = zlib.createZstdCompress();
  const parts: Buffer[] = [];
  stream.on('data', (part: Buffer) => parts.push(part));
  stream.write(randomBytes(1000));
  await new Promise<void>((resolve) => stream.flush(() => resolve()));
  stream.end(randomBytes(1000));
  await once(stream, 'end');
  expect(frameContentSize(Buffer.concat(parts))).toBeUndefined();
  expect(frameContentSize(randomBytes(64))).toBeUndefined();
  expect(frameContentSize(Buffer.from([0x28, 0xb5, 0x2f]))).toBeUndefined();
});
