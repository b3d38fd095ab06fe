import { describeCron, nextRun, nextRuns, validateCron } from './cron';

const iso = (d: Date | undefined) => d?.toISOString();

describe('validateCron', () => {
  test.each([
    '0 3 * * *', '*/15 * * * *', '0 4 * * sun', '0 3 * * mon-fri', '0 0 1 jan *', '30 2 1,15 * *', '0 */6 * * *',
    '*/5 * * * * *', '@daily', '@weekly', '0 3 * * 7',
  ])('accepts %s', (expr) => expect(validateCron(expr)).toBeUndefined());

  test.each([
    ['* * * *', /5 fields/],
    ['0 25 * * *', /hour 25 is out of range/],
    ['61 * * * *', /minute 61/],
    ['0 3 * * funday', /day of week/],
    ['0 3 5-1 * *', /backwards/],
    ['*/0 * * * *', /step/],
    ['0 0 31 2 *', /never matches|not accepted/],
    ['0 3 L * *', /day of month/],
    ['@fortnightly', /unknown nickname/],
    ['5/20 * * * *', /not accepted by the scheduler/], // Vixie cron takes it, node-cron does not
    ['0 3 * * 1,', /empty entry/],
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
    ['0 0 13 * fri', 'UTC', '2026-01-01T00:00:00Z', ['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z']], // AND, like node-cron
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
    expect(() => nextRuns('0 3 * *', 'UTC', new Date(), 1)).toThrow(/5 fields/);
  });

  test('is quick for every-minute schedules', () => {
    const started = Date.now();
    expect(nextRuns('* * * * *', 'Europe/Berlin', new Date('2026-10-25T00:00:30Z'), 100)).toHaveLength(100);
    expect(Date.now() - started).toBeLessThan(2000) // generous: jest runs suites in parallel;
  });
});

describe('describeCron', () => {
  test.each([
    ['0 3 * * *', 'UTC', 'every day at 03:00 (UTC)'],
    ['30 2 * * *', 'Europe/Berlin', 'every day at 02:30 (Europe/Berlin)'],
    ['0 3,15 * * *', 'UTC', 'every day at 03:00 and 15:00 (UTC)'],
    ['0 4 * * 0', 'UTC', 'every Sunday at 04:00 (UTC)'],
    ['0 4 * * sun', 'UTC', 'every Sunday at 04:00 (UTC)'],
    ['0 4 * * mon,fri', 'UTC', 'every Monday and Friday at 04:00 (UTC)'],
    ['0 4 * * 1-5', 'UTC', 'every weekday (Monday to Friday) at 04:00 (UTC)'],
    ['0 1 1 * *', 'UTC', 'on day 1 of every month at 01:00 (UTC)'],
    ['*/15 * * * *', 'UTC', 'every 15 minutes'],
    ['* * * * *', 'UTC', 'every minute'],
    ['15 * * * *', 'UTC', 'every hour at minute 15'],
    ['0 */6 * * *', 'UTC', 'every 6 hours at minute 0'],
    ['* * * * * *', 'UTC', 'every second'],
    ['@daily', 'UTC', 'every day at 00:00 (UTC)'],
    ['0 3 * 1 *', 'UTC', '0 3 * 1 * (UTC)'],
    ['not cron', 'UTC', 'not cron (UTC)'],
  ])('%s in %s', (expr, zone, text) => expect(describeCron(expr, zone)).toBe(text));
});
