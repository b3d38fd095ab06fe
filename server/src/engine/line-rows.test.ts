import { LineRows } from './line-rows';

test('rows across blocks read back; freeing frees whole blocks behind, and a freed row is refused but may be closed', () => {
  const rows = new LineRows();
  const count = 40_000; // three blocks of 16,384
  for (let at = 0; at < count; at++) rows.set(at, at >> 10, at % 1000, at % 1000 + 80, at + 1);
  rows.setEnd(5, 30_000);
  expect([rows.piece(20_000), rows.start(20_000), rows.stop(20_000), rows.end(20_000)]).toEqual([19, 0, 80, 20_001]);
  expect(rows.end(5)).toBe(30_000);

  rows.freeBefore(20_000); // the first block only: the second holds rows from 16,384 on
  expect(() => rows.end(16_383)).toThrow(/line 16384 of the previous listing was asked for after the walk had passed it/);
  expect(rows.end(16_384)).toBe(16_385);
  rows.setEnd(5, 1); // a directory closing after its line was released: nothing to do
  rows.freeBefore(10); // behind what is freed already: nothing
  expect(rows.piece(39_999)).toBe(39);
});
