import { byCodeUnits } from './order';

test('strings sort in code-unit order, the same under every locale', () => {
  expect(['b', 'a', 'B', '_', '0', 'ab', ''].sort(byCodeUnits)).toEqual(['', '0', 'B', '_', 'a', 'ab', 'b']);
});

test('ISO times sort by time, newest first when the arguments are swapped', () => {
  const times = ['2026-12-06T09:05:00.000Z', '2025-01-31T23:59:59.999Z', '2026-12-06T10:00:00.000Z'];
  expect([...times].sort((a, b) => byCodeUnits(b, a))).toEqual(['2026-12-06T10:00:00.000Z', '2026-12-06T09:05:00.000Z', '2025-01-31T23:59:59.999Z']);
});
