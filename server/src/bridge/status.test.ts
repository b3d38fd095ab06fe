/**
 * Which failure and which verification the status shows: the runner's results (lost at a restart) and the
 * verification records (kept in the repository), and what clears a failure.
 */
import type { VerificationRecord } from '../repository/verifications';
import type { JobResult } from '../schedule/runner';
import { defaultSettings } from '../settings/schema';
import { buildStatus, lastFailureOf, lastVerifiedOf, runningJob, verifiedAtOf } from './status';

const at = (hour: number) => new Date(Date.UTC(2026, 0, 10, hour)).toISOString();

function result(kind: string, hour: number, outcome: 'ok' | 'failed' | 'cancelled', id = `${kind}-${hour}`): JobResult {
  const failed = outcome !== 'ok';
  return {
    id, kind, ok: !failed, cancelled: outcome === 'cancelled', startedAt: at(hour - 1), finishedAt: at(hour), durationMs: 3_600_000,
    ...(failed ? { error: { step: outcome === 'cancelled' ? 'files' : 'dump-db', code: outcome === 'cancelled' ? 'CANCELLED' : 'DB_UNREACHABLE', message: 'cannot connect to 127.0.0.1:1', fix: 'start PostgreSQL' } } : {}),
  };
}

const drillFailed: VerificationRecord = {
  snapshot: 'aa', readData: false, drill: false, at: at(4),
  lastDrill: { ok: false, at: at(4), restoreDurationMs: null, jobId: 'drill-4', step: 'drill-check', message: 'row counts differ', fix: 'take a new backup' },
};
const verifiedAndDrilled: VerificationRecord = {
  snapshot: 'bb', readData: true, drill: true, at: at(6),
  lastVerify: { ok: true, at: at(5), readData: true }, lastDrill: { ok: true, at: at(6), restoreDurationMs: 7300 },
};

describe('lastFailureOf', () => {
  test('a failed backup with no success after it is the last failure, with step, message and fix', () => {
    expect(lastFailureOf([result('backup', 3, 'failed')], [], at(1))).toEqual({
      jobId: 'backup-3', kind: 'backup', at: at(3), step: 'dump-db', message: 'cannot connect to 127.0.0.1:1', fix: 'start PostgreSQL',
    });
  });

  test('a later successful backup clears it', () => {
    expect(lastFailureOf([result('backup', 3, 'failed')], [], at(5))).toBeNull();
  });

  test('a cancelled job is not a failure', () => {
    expect(lastFailureOf([result('backup', 3, 'cancelled')], [], at(1))).toBeNull();
  });

  test('a failed drill recorded in the repository shows after a restart (no runner results), until something succeeds after it', () => {
    expect(lastFailureOf([], [drillFailed], at(3))).toMatchObject({ jobId: 'drill-4', kind: 'drill', step: 'drill-check', message: 'row counts differ', fix: 'take a new backup' });
    expect(lastFailureOf([], [drillFailed], at(5))).toBeNull(); // a backup after it
    expect(lastFailureOf([], [drillFailed, verifiedAndDrilled], at(3))).toBeNull(); // a drill passed after it
    expect(lastFailureOf([result('drill', 7, 'ok')], [drillFailed], at(3))).toBeNull();
  });

  test('the runner\'s result and the record of the same job are one failure; the newest failure wins', () => {
    const runnerDrill = { ...result('drill', 4, 'failed', 'drill-4'), finishedAt: at(4) };
    expect(lastFailureOf([runnerDrill, result('backup', 2, 'failed')], [drillFailed], at(1))).toMatchObject({ jobId: 'drill-4', step: 'dump-db' });
    expect(lastFailureOf([result('prune', 9, 'failed')], [drillFailed], at(1))).toMatchObject({ kind: 'prune', at: at(9) });
  });
});

test('a drill that booted Mattermost brings its recovery time (restore plus boot) to the status', () => {
  const booted: VerificationRecord = { snapshot: 'dd', readData: false, drill: true, at: at(9), lastDrill: { ok: true, at: at(9), restoreDurationMs: 120000, bootMs: 14000, recoveryMs: 134000, mattermostVersion: '11.4.0' } };
  expect(lastVerifiedOf([booted])).toEqual({ snapshotId: 'dd', at: at(9), drill: true, restoreDurationMs: 120000, recoveryMs: 134000 });
});

describe('lastVerifiedOf and verifiedAtOf', () => {
  test('the newest pass of either kind; the restore time of the newest passing drill', () => {
    expect(lastVerifiedOf([drillFailed, verifiedAndDrilled])).toEqual({ snapshotId: 'bb', at: at(6), drill: true, restoreDurationMs: 7300 });
    const laterVerify: VerificationRecord = { snapshot: 'cc', readData: true, drill: false, at: at(8), lastVerify: { ok: true, at: at(8), readData: true } };
    expect(lastVerifiedOf([verifiedAndDrilled, laterVerify])).toEqual({ snapshotId: 'cc', at: at(8), drill: false, restoreDurationMs: 7300 });
  });

  test('failures only: nothing verified', () => {
    expect(lastVerifiedOf([drillFailed])).toBeNull();
    expect(verifiedAtOf([drillFailed], 'aa')).toBeNull();
    expect(verifiedAtOf([verifiedAndDrilled], 'bb')).toBe(at(6));
  });
});

describe('buildStatus', () => {
  const settings = { effective: defaultSettings(), locked: [], problems: [] };

  test('a running job shows its bytes, the estimate and its phase', () => {
    const job = { id: 'backup-1', kind: 'backup', startedAt: at(3), step: 'files', bytesDone: 10, bytesTotal: 40, stepIndex: 3, stepCount: 5, cancelRequested: false };
    expect(runningJob(job)).toEqual({ id: 'backup-1', kind: 'backup', step: 'files', bytes: 10, totalBytes: 40, stepIndex: 3, stepCount: 5, startedAt: at(3) });
    expect(runningJob({ ...job, bytesTotal: undefined, stepIndex: undefined, stepCount: undefined })).toEqual({ id: 'backup-1', kind: 'backup', step: 'files', bytes: 10, totalBytes: null, startedAt: at(3) });
  });

  test('a failed backup makes it failing with the reason; the old warning line is gone', () => {
    const status = buildStatus({
      now: new Date(at(4)), settings, otherProblems: [], results: [result('backup', 3, 'failed')], records: [verifiedAndDrilled],
      nextRuns: {}, repositoryLocation: '/backups', lastGood: undefined,
    });
    expect(status).toMatchObject({ health: 'failing', warnings: [], lastFailure: { kind: 'backup' }, lastVerified: { restoreDurationMs: 7300 } });
    expect(status.healthReasons).toEqual(['The last backup failed at step dump-db: cannot connect to 127.0.0.1:1.', 'No backup has succeeded yet.']);
  });
});
