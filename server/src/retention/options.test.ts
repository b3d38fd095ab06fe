import { MmBackupError } from '../common/errors';
import { parseDuration } from './duration';
import { retentionPolicyFrom } from './options';

function usageError(run: () => unknown): MmBackupError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(MmBackupError);
    expect((err as MmBackupError).exitCode).toBe(2);
    return err as MmBackupError;
  }
  throw new Error('expected a usage error');
}

describe('retentionPolicyFrom', () => {
  test('options become a policy', () => {
    const policy = retentionPolicyFrom(
      { keepLast: '3', keepHourly: '24', keepDaily: '7', keepWeekly: '4', keepMonthly: '12', keepYearly: 'unlimited', keepWithin: '1y2m', keepTag: ['before-upgrade', 'pre-restore'], timeZone: 'Europe/Berlin' },
      {},
    );
    expect(policy).toEqual({
      last: 3,
      hourly: 24,
      daily: 7,
      weekly: 4,
      monthly: 12,
      yearly: Infinity,
      within: { years: 1, months: 2, days: 0, hours: 0, text: '1y2m' },
      tags: ['before-upgrade', 'pre-restore'],
      timeZone: 'Europe/Berlin',
    });
  });

  test('no options and no variables: an empty policy', () => {
    expect(retentionPolicyFrom({}, {})).toEqual({});
  });

  test('environment variables fill in; an option wins over its own variable', () => {
    const env = { MMBACKUP_KEEP_LAST: '5', MMBACKUP_KEEP_DAILY: '7', MMBACKUP_KEEP_WITHIN: '30d', MMBACKUP_KEEP_TAG: 'a, b', MMBACKUP_TIME_ZONE: 'America/New_York', MMBACKUP_KEEP_WEEKLY: '' };
    expect(retentionPolicyFrom({ keepDaily: '14' }, env)).toEqual({
      last: 5,
      daily: 14,
      within: { years: 0, months: 0, days: 30, hours: 0, text: '30d' },
      tags: ['a', 'b'],
      timeZone: 'America/New_York',
    });
  });

  test.each([
    [{ keepDaily: 'seven' }, {}, '--keep-daily', '--keep-daily 7'],
    [{ keepLast: '-1' }, {}, '--keep-last', '--keep-last 3'],
    [{ keepLast: '2.5' }, {}, '--keep-last', '--keep-last 3'],
    [{}, { MMBACKUP_KEEP_MONTHLY: 'x' }, 'MMBACKUP_KEEP_MONTHLY', 'MMBACKUP_KEEP_MONTHLY=12'],
    [{ keepWithin: '30 days' }, {}, '--keep-within', '--keep-within 30d'],
    [{ keepWithin: '5m5m' }, {}, '--keep-within', '--keep-within 30d'],
    [{}, { MMBACKUP_KEEP_WITHIN: '10s' }, 'MMBACKUP_KEEP_WITHIN', 'MMBACKUP_KEEP_WITHIN=30d'],
    [{ timeZone: 'Mars/Olympus_Mons' }, {}, '--time-zone', '--time-zone Europe/Berlin'],
    [{ keepTag: [' '] }, {}, '--keep-tag', '--keep-tag before-upgrade'],
  ])('%j %j: exit code 2 naming %s with an example', (options, env, name, example) => {
    const err = usageError(() => retentionPolicyFrom(options, env as NodeJS.ProcessEnv));
    expect(err.message).toContain(name);
    expect(err.fix).toContain(example);
  });
});

describe('parseDuration', () => {
  test.each([
    ['30d', { years: 0, months: 0, days: 30, hours: 0 }],
    ['2w', { years: 0, months: 0, days: 14, hours: 0 }],
    ['1y2m', { years: 1, months: 2, days: 0, hours: 0 }],
    ['12h', { years: 0, months: 0, days: 0, hours: 12 }],
    ['2y5m7d3h', { years: 2, months: 5, days: 7, hours: 3 }],
    ['1w2d', { years: 0, months: 0, days: 9, hours: 0 }],
  ])('%s', (text, fields) => {
    expect(parseDuration(text)).toEqual({ ...fields, text });
  });

  test.each(['', 'd', '30', '30x', '-1d', '1.5d', '3d3d', '30 d'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
