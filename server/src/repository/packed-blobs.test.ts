import { spanPieces } from './packed-blobs';
import type { SpanBlob } from './crypto';

const blob = (offset: number, length: number): SpanBlob => ({ id: `b${offset}`, offset, length, files: [] });

test('spanPieces cuts blobs in position order into spans of at most the limit, gaps included', () => {
  const blobs = [blob(0, 400), blob(400, 400), blob(900, 100), blob(1000, 50), blob(2000, 10)];
  expect(spanPieces(blobs, 1000).map((p) => p.map((b) => b.offset))).toEqual([[0, 400, 900], [1000], [2000]]);
  expect(spanPieces(blobs, 1050).map((p) => p.map((b) => b.offset))).toEqual([[0, 400, 900, 1000], [2000]]);
});

test('spanPieces gives a blob larger than the limit a piece of its own, and nothing for no blobs', () => {
  expect(spanPieces([blob(0, 10), blob(10, 5000), blob(5010, 10)], 1000).map((p) => p.length)).toEqual([1, 1, 1]);
  expect(spanPieces([], 1000)).toEqual([]);
});
