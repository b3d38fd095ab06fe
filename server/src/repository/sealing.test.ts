/**
 * Sealing frees what it allocates along the way (compressed copies, cipher output) instead of leaving it
 * to the collector: a worker sealing a GiB otherwise held tens of MB of dead buffers between collections.
 * Nothing here runs a collection, so every byte still counted afterwards is one sealing left behind.
 */
import { randomBytes } from 'node:crypto';
import { freeNow } from '../common/free-now';
import { contentId, openSync, sealSync, secretKey, type MasterKeys } from './sealing';
import { freeBacking } from './workers/transfer';

const keys: MasterKeys = { encryption: randomBytes(32), id: randomBytes(32) };

const text = (size: number) => Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(Math.ceil(size / 45)).slice(0, size));
const inputs: Array<[string, Buffer]> = [
  ['65 random bytes', randomBytes(65)],
  ['20 KiB of random bytes', randomBytes(20 * 1024)],
  ['300 KiB of random bytes', randomBytes(300 * 1024)],
  ['300 KiB of text', text(300 * 1024)],
  ['4 MiB of random bytes', randomBytes(4 * 1024 * 1024)],
  ['4 MiB of text', text(4 * 1024 * 1024)],
];

test.each(inputs)('%s seal and open back to the same bytes', (_name, plaintext) => {
  const [header, body] = sealSync(keys, 'blob', plaintext, undefined, 2);
  expect(openSync(keys, 'blob', Buffer.concat([header, body])).equals(plaintext)).toBe(true);
});

test('sealing leaves almost none of the bytes it processed as garbage', () => {
  let processed = 0;
  const before = process.memoryUsage().arrayBuffers;
  for (let round = 0; round < 4; round++) {
    for (const [, plaintext] of inputs) {
      const [, body] = sealSync(keys, 'blob', plaintext, undefined, 2);
      freeNow(body); // the caller's part: a pack took it
      processed += plaintext.length;
    }
  }
  const leftBehind = process.memoryUsage().arrayBuffers - before;
  // Before freeing, a cipher output as large as the input (and any compressed copy) stayed: 100% or more.
  expect(leftBehind).toBeLessThan(processed * 0.05);
});

test('opening leaves almost none of the bytes it processed as garbage either', () => {
  const sealed = inputs.map(([, plaintext]) => Buffer.concat(sealSync(keys, 'blob', plaintext, undefined, 2)));
  let processed = 0;
  const before = process.memoryUsage().arrayBuffers;
  for (let round = 0; round < 4; round++) {
    for (const object of sealed) {
      const plaintext = openSync(keys, 'blob', object);
      processed += plaintext.length;
      freeBacking(plaintext); // the caller's part: written out
    }
  }
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(processed * 0.05);
});

test('a key is made a KeyObject once and matched by content, never mistaken for another', () => {
  const raw = randomBytes(32);
  expect(secretKey(Buffer.from(raw))).toBe(secretKey(new Uint8Array(raw) as Buffer)); // a job's copy finds the same
  const many = Array.from({ length: 12 }, () => randomBytes(32)); // more than are kept
  for (const key of many) expect(secretKey(key).export().equals(key)).toBe(true);
  for (const key of many) expect(secretKey(key).export().equals(key)).toBe(true);
  const other: MasterKeys = { encryption: randomBytes(32), id: randomBytes(32) };
  const [header, body] = sealSync(keys, 'name', randomBytes(100), undefined, 2);
  expect(() => openSync(other, 'name', Buffer.concat([header, body]))).toThrow(/failed authentication/);
  expect(contentId(other, Buffer.from('x'))).not.toBe(contentId(keys, Buffer.from('x')));
});
