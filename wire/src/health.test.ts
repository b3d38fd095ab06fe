import type { LastFailure, LastSuccess, LastVerified } from './api';
import { assessHealth, type HealthInput } from './health';

const success: LastSuccess = { snapshotId: 'aa11', finishedAt: '2026-01-10T03:10:00.000Z', sizeBytes: 1, durationMs: 1 };
const verified: LastVerified = { snapshotId: 'aa11', at: '2026-01-10T04:00:00.000Z', drill: true, restoreDurationMs: 5000 };
const failure: LastFailure = { jobId: 'backup-1', kind: 'backup', at: '2026-01-11T03:00:05.000Z', step: 'dump-db', message: 'pg_dump 15 cannot dump PostgreSQL 16', fix: 'install postgresql-client-16' };
const fresh = { ageSeconds: 3600, thresholdHours: 26, breached: false };
const stale = { ageSeconds: 30 * 3600, thresholdHours: 26, breached: true };
const none = { ageSeconds: null, thresholdHours: 26, breached: true };

const good: HealthInput = { problems: [], warnings: [], lastFailure: null, rpo: fresh, lastSuccess: success, lastVerified: verified };

test.each<[string, Partial<HealthInput>, string, string[]]>([
  ['all good', {}, 'healthy', []],
  ['a problem', { problems: ['BackupSchedule: "x" is not a cron expression'] }, 'failing', ['BackupSchedule: "x" is not a cron expression.']],
  ['the last attempt failed', { lastFailure: failure }, 'failing', ['The last backup failed at step dump-db: pg_dump 15 cannot dump PostgreSQL 16.']],
  ['RPO breached', { rpo: stale }, 'failing', ['The newest good backup is 30 h old, more than the 26 h recovery point objective.']],
  ['never a backup (RPO breached with no age)', { rpo: none, lastSuccess: null, lastVerified: null }, 'failing', [
    'No backup has succeeded yet.',
    'No snapshot has passed a read-back verification or a restore drill yet.',
  ]],
  ['a warning', { warnings: ['storage 91% full'] }, 'warning', ['storage 91% full.']],
  ['nothing verified yet', { lastVerified: null }, 'warning', ['No snapshot has passed a read-back verification or a restore drill yet.']],
  ['no success but not (yet) breached', { lastSuccess: null, rpo: { ageSeconds: null, thresholdHours: 26, breached: false } }, 'warning', ['No backup has succeeded yet.']],
  ['failing reasons come before warnings', { warnings: ['storage 91% full.'], lastFailure: failure, problems: ['/backup could not be registered'] }, 'failing', [
    '/backup could not be registered.',
    'The last backup failed at step dump-db: pg_dump 15 cannot dump PostgreSQL 16.',
    'storage 91% full.',
  ]],
])('%s → %s', (_name, change, health, reasons) => {
  expect(assessHealth({ ...good, ...change })).toEqual({ health, healthReasons: reasons });
});
