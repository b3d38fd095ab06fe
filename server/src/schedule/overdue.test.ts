import { isOverdue, rpoAge, rpoBreached } from './overdue';

const d = (text: string) => new Date(text);

describe('isOverdue', () => {
  test.each([
    // [lastRunAt, expr, zone, now, overdue]
    [undefined, '0 3 * * *', 'UTC', '2026-01-10T12:00:00Z', true],
    ['2026-01-10T03:00:00Z', '0 3 * * *', 'UTC', '2026-01-10T12:00:00Z', false],
    ['2026-01-10T03:00:00Z', '0 3 * * *', 'UTC', '2026-01-11T02:59:59Z', false],
    ['2026-01-10T03:00:00Z', '0 3 * * *', 'UTC', '2026-01-11T03:00:00Z', true],
    ['2026-01-09T03:00:00Z', '0 3 * * *', 'UTC', '2026-01-10T12:00:00Z', true],
    // Berlin 03:00 is 02:00Z in winter: a run at 02:30Z is after today's slot.
    ['2026-01-10T02:30:00Z', '0 3 * * *', 'Europe/Berlin', '2026-01-10T12:00:00Z', false],
    ['2026-01-10T01:30:00Z', '0 3 * * *', 'Europe/Berlin', '2026-01-10T12:00:00Z', true],
    // The 02:30 run skipped by the spring-forward gap is owed from 03:00 CEST (01:00Z).
    ['2026-03-28T01:30:00Z', '30 2 * * *', 'Europe/Berlin', '2026-03-29T01:05:00Z', true],
    ['2026-01-04T04:00:00Z', '0 4 * * sun', 'UTC', '2026-01-10T23:59:00Z', false],
    ['2026-01-04T04:00:00Z', '0 4 * * sun', 'UTC', '2026-01-11T04:00:00Z', true],
  ])('last %s, %s %s, now %s → %s', (last, expr, zone, now, overdue) => {
    expect(isOverdue(last ? d(last) : undefined, expr, zone, d(now))).toBe(overdue);
  });
});

describe('rpo', () => {
  const now = d('2026-01-10T12:00:00Z');
  test('age', () => {
    expect(rpoAge(undefined, now)).toBeUndefined();
    expect(rpoAge(d('2026-01-10T10:00:00Z'), now)).toBe(2 * 3600_000);
    expect(rpoAge(d('2026-01-10T13:00:00Z'), now)).toBe(0);
  });
  test.each([
    [undefined, 26, true],
    ['2026-01-09T10:00:00Z', 26, false], // exactly 26 h
    ['2026-01-09T09:59:59Z', 26, true],
    ['2026-01-10T11:00:00Z', 0.5, true],
    ['2026-01-10T11:45:00Z', 0.5, false],
  ])('last success %s, RPO %s h → breached %s', (last, hours, breached) => {
    expect(rpoBreached(last ? d(last) : undefined, hours, now)).toBe(breached);
  });
});
