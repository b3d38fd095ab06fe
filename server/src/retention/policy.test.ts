import { parseDuration } from './duration';
import { applyPolicy, describePolicy, EMPTY_POLICY_REASON, type PolicySnapshot, type RetentionPolicy } from './policy';

const NOW = new Date('2030-01-01T00:00:00Z');

function snaps(...times: string[]): PolicySnapshot[] {
  return times.map((time) => ({ id: time, time, tags: [] }));
}

function kept(snapshots: PolicySnapshot[], policy: RetentionPolicy, now = NOW): string[] {
  return applyPolicy(snapshots, policy, now).keep.map((k) => k.id);
}

function within(text: string): RetentionPolicy['within'] {
  return parseDuration(text)!;
}

describe('applyPolicy: which snapshots each rule keeps', () => {
  const cases: Array<{ name: string; snapshots: PolicySnapshot[]; policy: RetentionPolicy; keep: string[]; now?: Date }> = [
    {
      name: 'keep-last keeps the n newest, whatever the input order',
      snapshots: snaps('2026-01-03T00:00:00Z', '2026-01-05T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z', '2026-01-02T00:00:00Z'),
      policy: { last: 3 },
      keep: ['2026-01-05T00:00:00Z', '2026-01-04T00:00:00Z', '2026-01-03T00:00:00Z'],
    },
    {
      name: 'keep-daily keeps the newest of each day, counting only days that have a snapshot',
      snapshots: snaps('2026-01-10T20:00:00Z', '2026-01-10T08:00:00Z', '2026-01-07T23:59:59Z', '2026-01-07T00:00:00Z', '2026-01-01T12:00:00Z'),
      policy: { daily: 2 },
      keep: ['2026-01-10T20:00:00Z', '2026-01-07T23:59:59Z'],
    },
    {
      name: 'keep-weekly uses ISO weeks, Monday to Sunday',
      // Sun 2026-01-11 and Mon 2026-01-12 are in different weeks; Mon 2026-01-05 shares week 2 with the Sunday.
      snapshots: snaps('2026-01-12T01:00:00Z', '2026-01-11T23:00:00Z', '2026-01-05T00:00:00Z', '2025-12-31T00:00:00Z'),
      policy: { weekly: 3 },
      keep: ['2026-01-12T01:00:00Z', '2026-01-11T23:00:00Z', '2025-12-31T00:00:00Z'],
    },
    {
      name: 'an ISO week spans the new year: Fri 2027-01-01 is in week 2026-W53, with Mon 2026-12-28',
      snapshots: snaps('2027-01-01T10:00:00Z', '2026-12-28T10:00:00Z', '2026-12-27T10:00:00Z'),
      policy: { weekly: 2 },
      keep: ['2027-01-01T10:00:00Z', '2026-12-27T10:00:00Z'],
    },
    {
      name: 'keep-hourly, keep-monthly and keep-yearly bucket by hour, month and year',
      snapshots: snaps('2026-05-01T10:59:00Z', '2026-05-01T10:01:00Z', '2026-05-01T09:30:00Z', '2026-04-30T09:00:00Z', '2025-12-01T00:00:00Z', '2025-06-01T00:00:00Z'),
      policy: { hourly: 2, monthly: 2, yearly: 2 },
      keep: ['2026-05-01T10:59:00Z', '2026-05-01T09:30:00Z', '2026-04-30T09:00:00Z', '2025-12-01T00:00:00Z'],
    },
    {
      name: 'a bucket rule with buckets left at the oldest snapshot keeps the oldest too (restic)',
      snapshots: snaps('2026-01-03T10:00:00Z', '2026-01-02T10:00:00Z', '2026-01-01T18:00:00Z', '2026-01-01T06:00:00Z'),
      policy: { daily: 5 },
      keep: ['2026-01-03T10:00:00Z', '2026-01-02T10:00:00Z', '2026-01-01T18:00:00Z', '2026-01-01T06:00:00Z'],
    },
    {
      name: '"unlimited" keeps one per bucket forever',
      snapshots: snaps('2026-01-03T10:00:00Z', '2026-01-03T09:00:00Z', '2020-01-01T10:00:00Z', '2019-01-01T12:00:00Z', '2019-01-01T10:00:00Z'),
      policy: { daily: Infinity },
      keep: ['2026-01-03T10:00:00Z', '2020-01-01T10:00:00Z', '2019-01-01T12:00:00Z', '2019-01-01T10:00:00Z'],
    },
    {
      name: 'keep-within counts back from the newest snapshot, not from now, and excludes the exact cutoff',
      snapshots: snaps('2026-03-31T10:00:00Z', '2026-03-20T00:00:00Z', '2026-03-03T10:00:01Z', '2026-03-03T10:00:00Z', '2026-01-01T00:00:00Z'),
      policy: { within: within('1m') }, // 31 March minus one month is "31 February", which rolls over to 3 March, as Go's AddDate
      keep: ['2026-03-31T10:00:00Z', '2026-03-20T00:00:00Z', '2026-03-03T10:00:01Z'],
    },
    {
      name: 'keep-within: w is 7 days, h exact hours, units combine',
      snapshots: snaps('2026-06-15T12:00:00Z', '2026-06-01T12:00:01Z', '2026-06-01T12:00:00Z', '2026-05-31T00:00:00Z'),
      policy: { within: within('2w') },
      keep: ['2026-06-15T12:00:00Z', '2026-06-01T12:00:01Z'],
    },
    {
      name: 'keep-within 1d12h',
      snapshots: snaps('2026-06-15T12:00:00Z', '2026-06-14T00:00:01Z', '2026-06-14T00:00:00Z'),
      policy: { within: within('1d12h') },
      keep: ['2026-06-15T12:00:00Z', '2026-06-14T00:00:01Z'],
    },
    {
      name: 'a snapshot dated in the future is not the newest for keep-within, and is itself within',
      snapshots: snaps('2031-01-01T00:00:00Z', '2029-12-31T00:00:00Z', '2029-12-02T00:00:00Z', '2029-11-01T00:00:00Z'),
      policy: { within: within('30d') },
      keep: ['2031-01-01T00:00:00Z', '2029-12-31T00:00:00Z', '2029-12-02T00:00:00Z'],
    },
    {
      name: 'rules combine with OR',
      snapshots: snaps('2026-01-05T00:00:00Z', '2026-01-04T00:00:00Z', '2026-01-03T00:00:00Z', '2025-12-01T00:00:00Z', '2025-11-01T00:00:00Z'),
      policy: { last: 1, monthly: 2 },
      keep: ['2026-01-05T00:00:00Z', '2025-12-01T00:00:00Z'],
    },
  ];
  test.each(cases)('$name', ({ snapshots, policy, keep, now }) => {
    const result = applyPolicy(snapshots, policy, now ?? NOW);
    expect(result.keep.map((k) => k.id)).toEqual(keep);
    expect(result.keep.length + result.remove.length).toBe(snapshots.length);
  });
});

describe('applyPolicy: reasons', () => {
  test('every rule that keeps a snapshot is named, with its bucket', () => {
    const result = applyPolicy(snaps('2026-11-03T02:30:00Z', '2026-11-02T02:30:00Z', '2026-10-01T00:00:00Z'), { last: 3, daily: 1, weekly: 1, within: within('30d') }, NOW);
    expect(result.keep[0].reasons).toEqual(['within 30d', 'last 3 snapshots', 'daily snapshot (bucket 2026-11-03)', 'weekly snapshot (bucket 2026-W45)']);
    expect(result.keep[1].reasons).toEqual(['within 30d', 'last 3 snapshots']);
    expect(result.keep[2].reasons).toEqual(['last 3 snapshots']);
  });

  test('the oldest-snapshot rule is marked "oldest"', () => {
    const result = applyPolicy(snaps('2026-01-02T10:00:00Z', '2026-01-01T18:00:00Z', '2026-01-01T06:00:00Z'), { daily: 7 }, NOW);
    expect(result.keep.map((k) => k.reasons)).toEqual([['daily snapshot (bucket 2026-01-02)'], ['daily snapshot (bucket 2026-01-01)'], ['oldest daily snapshot (bucket 2026-01-01)']]);
  });

  test('removal reasons name each rule that passed it over', () => {
    const result = applyPolicy(snaps('2026-11-03T12:00:00Z', '2026-11-03T02:30:00Z', '2026-11-02T00:00:00Z', '2026-09-01T00:00:00Z'), { last: 1, daily: 2, within: within('12h'), tags: ['keep-me'] }, NOW);
    expect(result.keep.map((k) => k.id)).toEqual(['2026-11-03T12:00:00Z', '2026-11-03T02:30:00Z', '2026-11-02T00:00:00Z']);
    expect(result.remove).toEqual([
      {
        id: '2026-09-01T00:00:00Z',
        reason: 'no rule keeps it: not tagged keep-me; older than 12h before the newest snapshot (2026-11-03T00:00:00.000Z); not among the last 1; older than the 2 daily buckets kept',
      },
    ]);
  });

  test('a snapshot in an already kept bucket says which bucket', () => {
    const result = applyPolicy(snaps('2026-11-03T12:00:00Z', '2026-11-03T02:30:00Z', '2026-11-02T00:00:00Z'), { daily: 2 }, NOW);
    expect(result.remove).toEqual([{ id: '2026-11-03T02:30:00Z', reason: 'no rule keeps it: daily bucket 2026-11-03 is kept by a newer snapshot' }]);
  });
});

describe('applyPolicy: tags, empty policies, inputs', () => {
  test('keep-tag keeps every snapshot with any of the tags; pre-restore snapshots follow the same rules', () => {
    const snapshots: PolicySnapshot[] = [
      { id: 'a', time: '2026-01-04T00:00:00Z', tags: [] },
      { id: 'b', time: '2026-01-03T00:00:00Z', tags: ['pre-restore'] },
      { id: 'c', time: '2026-01-02T00:00:00Z', tags: ['before-upgrade', 'x'] },
      { id: 'd', time: '2026-01-01T00:00:00Z', tags: ['pre-restore'] },
    ];
    expect(kept(snapshots, { last: 1 })).toEqual(['a']);
    const result = applyPolicy(snapshots, { last: 1, tags: ['before-upgrade', 'pre-restore'] }, NOW);
    expect(result.keep).toEqual([
      { id: 'a', reasons: ['last 1 snapshot'] },
      { id: 'b', reasons: ['tagged pre-restore'] },
      { id: 'c', reasons: ['tagged before-upgrade'] },
      { id: 'd', reasons: ['tagged pre-restore'] },
    ]);
  });

  test('an empty policy, or one of zeros, keeps everything and says so', () => {
    const snapshots = snaps('2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z');
    for (const policy of [{}, { last: 0, daily: 0, within: within('0d'), tags: [] }] as RetentionPolicy[]) {
      const result = applyPolicy(snapshots, policy, NOW);
      expect(result.remove).toEqual([]);
      expect(result.keep).toEqual(snapshots.map((s) => ({ id: s.id, reasons: [EMPTY_POLICY_REASON] })));
    }
  });

  test('no snapshots: nothing to keep or remove', () => {
    expect(applyPolicy([], { last: 3 }, NOW)).toEqual({ keep: [], remove: [] });
  });

  test('Date objects and strings are both accepted; equal times are ordered by id', () => {
    const snapshots: PolicySnapshot[] = [
      { id: 'b', time: new Date('2026-01-01T00:00:00Z'), tags: [] },
      { id: 'a', time: '2026-01-01T00:00:00Z', tags: [] },
    ];
    expect(kept(snapshots, { last: 1 })).toEqual(['a']);
  });

  test('an invalid time is refused, naming the snapshot', () => {
    expect(() => applyPolicy([{ id: 'x1', time: 'yesterday-ish', tags: [] }], { last: 1 }, NOW)).toThrow(/x1/);
  });

  test('describePolicy', () => {
    expect(describePolicy({})).toBe('no retention rule: keep every snapshot');
    expect(describePolicy({ last: 3, daily: 7, yearly: Infinity, within: within('30d'), tags: ['a', 'b'], timeZone: 'Europe/Berlin' })).toBe(
      'keep last 3, 7 daily, unlimited yearly; every snapshot within 30d of the newest; every snapshot tagged a or b (calendar in Europe/Berlin)',
    );
  });
});

describe('applyPolicy: time zones', () => {
  // 22:30Z and 23:30Z on 1 March are on the same day in UTC, but 23:30Z is 00:30 on 2 March in Berlin.
  const march = snaps('2026-03-01T23:30:00Z', '2026-03-01T22:30:00Z', '2026-03-01T12:00:00Z');

  test('UTC by default', () => {
    const result = applyPolicy(march, { daily: 2 }, NOW);
    expect(result.keep).toEqual([
      { id: '2026-03-01T23:30:00Z', reasons: ['daily snapshot (bucket 2026-03-01)'] },
      { id: '2026-03-01T12:00:00Z', reasons: ['oldest daily snapshot (bucket 2026-03-01)'] },
    ]);
  });

  test('buckets follow the calendar of the given zone', () => {
    const result = applyPolicy(march, { daily: 2, timeZone: 'Europe/Berlin' }, NOW);
    expect(result.keep).toEqual([
      { id: '2026-03-01T23:30:00Z', reasons: ['daily snapshot (bucket 2026-03-02)'] },
      { id: '2026-03-01T22:30:00Z', reasons: ['daily snapshot (bucket 2026-03-01)'] },
    ]);
  });

  test('the repeated hour when DST ends is one hourly bucket', () => {
    // 00:30Z is 02:30 CEST and 01:30Z is 02:30 CET on 25 October 2026; 23:30Z the day before is 01:30 CEST.
    const autumn = snaps('2026-10-25T01:30:00Z', '2026-10-25T00:30:00Z', '2026-10-24T23:30:00Z');
    expect(applyPolicy(autumn, { hourly: 2, timeZone: 'Europe/Berlin' }, NOW).keep).toEqual([
      { id: '2026-10-25T01:30:00Z', reasons: ['hourly snapshot (bucket 2026-10-25T02)'] },
      { id: '2026-10-24T23:30:00Z', reasons: ['hourly snapshot (bucket 2026-10-25T01)'] },
    ]);
  });

  test('keep-within days are calendar days of the zone: 1d across the DST change is 25 hours', () => {
    const across = snaps('2026-10-25T12:00:00Z', '2026-10-24T11:30:00Z', '2026-10-24T10:30:00Z');
    expect(kept(across, { within: within('1d'), timeZone: 'Europe/Berlin' })).toEqual(['2026-10-25T12:00:00Z', '2026-10-24T11:30:00Z']);
    expect(kept(across, { within: within('1d') })).toEqual(['2026-10-25T12:00:00Z']);
  });
});
