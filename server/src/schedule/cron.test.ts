import { describeCron, nextRun, nextRuns, validateCron } from './cron';

const iso = (d: Date | undefined) => d?.toISOString();

describe('validateCron', () => {
  test.each([
    '0 3 * * *', '*/15 * * * *', '0 4 * * sun', '0 3 * * mon-fri', '0 0 1 jan *', '30 2 1,15 * *', '0 */6 * * *',
    '*/5 * * * * *', '@daily', '@weekly', '0 3 * * 7', '0 3 L * *', '0 3 * * fri#1',
  ])('accepts %s', (expr) => expect(validateCron(expr)).toBeUndefined());

  test.each([
    ['* * * *', /^"\* \* \* \*" has 4 fields: a cron expression has 5 fields \(minute hour day-of-month month day-of-week\), or 6 with seconds first$/],
    ['0 25 * * *', /^hour 25 is out of range \(0-23\) in "0 25 \* \* \*"$/],
    ['61 * * * *', /^minute 61 is out of range \(0-59\)/],
    ['0 0 32 * *', /^day of month 32 is out of range \(1-31\)/], // croner counts from 0: it says 31
    ['0 0 0 * *', /^day of month 0 is out of range/],
    ['0 0 1 13 *', /^month 13 is out of range \(1-12\)/],
    ['0 0 * * 8', /^day of week 8 is out of range \(0-7\)/],
    ['0 3 * * funday', /funday/],
    ['0 3 5-1 * *', /larger than to value/],
    ['*/0 * * * *', /illegal stepping: 0/],
    ['0 0 31 2 *', /never matches a real date/],
    ['@fortnightly', /fortnightly/],
    ['5/20 * * * *', /stepping with numeric prefix/],
    ['0 3 * * 1,', /is empty/],
    ['0 0 0 1 1 * 2030', /has 7 fields/], // croner's year field: the bridge keeps to 5 or 6
  ])('refuses %s', (expr, message) => expect(validateCron(expr)).toMatch(message));
});

describe('nextRuns', () => {
  test.each([
    // [expression, zone, after, expected runs]
    ['0 3 * * *', 'UTC', '2026-01-10T02:59:59Z', ['2026-01-10T03:00:00.000Z', '2026-01-11T03:00:00.000Z']],
    ['0 3 * * *', 'UTC', '2026-01-10T03:00:00Z', ['2026-01-11T03:00:00.000Z', '2026-01-12T03:00:00.000Z']],
    ['0 3 * * *', 'Europe/Berlin', '2026-01-10T00:00:00Z', ['2026-01-10T02:00:00.000Z', '2026-01-11T02:00:00.000Z']],
    ['0 3 * * *', 'Europe/Berlin', '2026-07-10T00:00:00Z', ['2026-07-10T01:00:00.000Z', '2026-07-11T01:00:00.000Z']],
    ['*/20 * * * *', 'UTC', '2026-01-10T10:05:00Z', ['2026-01-10T10:20:00.000Z', '2026-01-10T10:40:00.000Z', '2026-01-10T11:00:00.000Z']],
    ['0 4 * * sun', 'UTC', '2026-01-10T00:00:00Z', ['2026-01-11T04:00:00.000Z', '2026-01-18T04:00:00.000Z']], // 10 Jan 2026 is a Saturday
    ['0 0 1 */3 *', 'UTC', '2026-01-10T00:00:00Z', ['2026-04-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z']],
    ['0 12 29 feb *', 'UTC', '2026-01-01T00:00:00Z', ['2028-02-29T12:00:00.000Z']],
    ['0 0 13 * fri', 'UTC', '2026-01-01T00:00:00Z', ['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z']], // AND, not Vixie's OR
    ['0 3 L * *', 'UTC', '2026-01-10T00:00:00Z', ['2026-01-31T03:00:00.000Z', '2026-02-28T03:00:00.000Z']],
    ['*/10 * * * * *', 'UTC', '2026-01-10T10:00:05Z', ['2026-01-10T10:00:10.000Z', '2026-01-10T10:00:20.000Z']],
    ['0 9 * * *', 'Asia/Kolkata', '2026-01-10T00:00:00Z', ['2026-01-10T03:30:00.000Z']],
  ])('%s in %s after %s', (expr, zone, after, expected) => {
    expect(nextRuns(expr, zone, new Date(after), expected.length).map(iso)).toEqual(expected);
  });

  describe('daylight saving in Europe/Berlin', () => {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z). 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00Z).
    test('a fixed time in the spring-forward gap runs once, right after the gap', () => {
      expect(nextRuns('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T00:00:00Z'), 3).map(iso)).toEqual([
        '2026-03-28T01:30:00.000Z', // 02:30 CET
        '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
        '2026-03-30T00:30:00.000Z', // 02:30 CEST
      ]);
    });

    test('two fixed times in the gap run once between them', () => {
      expect(nextRuns('0,30 2 * * *', 'Europe/Berlin', new Date('2026-03-29T00:00:00Z'), 2).map(iso)).toEqual([
        '2026-03-29T01:00:00.000Z',
        '2026-03-30T00:00:00.000Z',
      ]);
    });

    test('an hourly schedule has no run in the missing hour', () => {
      expect(nextRuns('30 * * * *', 'Europe/Berlin', new Date('2026-03-29T00:00:00Z'), 3).map(iso)).toEqual([
        '2026-03-29T00:30:00.000Z', // 01:30 CET
        '2026-03-29T01:30:00.000Z', // 03:30 CEST
        '2026-03-29T02:30:00.000Z',
      ]);
    });

    test('a fixed time in the fall-back overlap runs once, at its first occurrence', () => {
      expect(nextRuns('30 2 * * *', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z'), 2).map(iso)).toEqual([
        '2026-10-25T00:30:00.000Z', // 02:30 CEST
        '2026-10-26T01:30:00.000Z', // 02:30 CET
      ]);
      // Asked from within the second pass of 02:xx, the repeat is not a run.
      expect(iso(nextRun('30 2 * * *', 'Europe/Berlin', new Date('2026-10-25T01:10:00Z')))).toBe('2026-10-26T01:30:00.000Z');
    });

    test('an hourly schedule runs in both passes of the repeated hour', () => {
      expect(nextRuns('30 * * * *', 'Europe/Berlin', new Date('2026-10-25T00:00:00Z'), 3).map(iso)).toEqual([
        '2026-10-25T00:30:00.000Z', // 02:30 CEST
        '2026-10-25T01:30:00.000Z', // 02:30 CET
        '2026-10-25T02:30:00.000Z', // 03:30 CET
      ]);
    });

    test('the default 03:00 schedule is unaffected on both change days', () => {
      expect(nextRuns('0 3 * * *', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'), 2).map(iso)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T01:00:00.000Z']);
      expect(nextRuns('0 3 * * *', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z'), 2).map(iso)).toEqual(['2026-10-25T02:00:00.000Z', '2026-10-26T02:00:00.000Z']);
    });
  });

  test('throws on an unknown zone or a bad expression', () => {
    expect(() => nextRuns('0 3 * * *', 'Mars/Olympus', new Date(), 1)).toThrow(/unknown time zone/);
    expect(() => nextRuns('0 3 * *', 'UTC', new Date(), 1)).toThrow(/has 4 fields/);
    expect(() => nextRuns('0 3 * * funday', 'UTC', new Date(), 1)).toThrow(/not a valid cron expression/);
  });

  test('is quick for every-minute schedules', () => {
    const started = Date.now();
    expect(nextRuns('* * * * *', 'Europe/Berlin', new Date('2026-10-25T00:00:30Z'), 100)).toHaveLength(100);
    expect(Date.now() - started).toBeLessThan(2000); // generous: jest runs suites in parallel
  });
});

describe('describeCron', () => {
  test.each([
    ['0 3 * * *', 'UTC', 'At 03:00 (UTC)'],
    ['30 2 * * *', 'Europe/Berlin', 'At 02:30 (Europe/Berlin)'],
    ['0 3,15 * * *', 'UTC', 'At 03:00 and 15:00 (UTC)'],
    ['0 4 * * 0', 'UTC', 'At 04:00, only on Sunday (UTC)'],
    ['0 4 * * sun', 'UTC', 'At 04:00, only on Sunday (UTC)'],
    ['0 4 * * mon,fri', 'UTC', 'At 04:00, only on Monday and Friday (UTC)'],
    ['30 2 * * 1-5', 'Europe/Berlin', 'At 02:30, Monday through Friday (Europe/Berlin)'],
    ['0 1 1 * *', 'UTC', 'At 01:00, on day 1 of the month (UTC)'],
    ['0 3 L * *', 'UTC', 'At 03:00, on the last day of the month (UTC)'],
    ['0 3 * 1 *', 'UTC', 'At 03:00, only in January (UTC)'],
    ['*/15 * * * *', 'UTC', 'Every 15 minutes (UTC)'],
    ['0 */6 * * *', 'Asia/Kolkata', 'On the hour, every 6 hours (Asia/Kolkata)'],
    ['* * * * * *', 'UTC', 'Every second (UTC)'],
    ['@daily', 'UTC', 'At 00:00 (UTC)'],
    // Both day fields restricted: the bridge ANDs them, which the sentence must say (cronstrue alone reads OR).
    ['0 0 13 * fri', 'UTC', 'At 00:00, on day 13 of the month, only if that day is Friday (UTC)'],
    ['0 2 1-7 * mon-fri', 'UTC', 'At 02:00, between day 1 and 7 of the month, only if that day is Monday through Friday (UTC)'],
    ['not cron', 'UTC', 'not cron (UTC)'],
  ])('%s in %s', (expr, zone, text) => expect(describeCron(expr, zone)).toBe(text));
});
