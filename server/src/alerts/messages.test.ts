/**
 * Alert wording, table-tested: each builder's color, title and the details an admin acts on, and that no field
 * of any alert ever carries a registered secret.
 */
import { MmBackupError } from '../common/errors';
import { clearSecretsForTests, registerSecret } from '../common/redact';
import {
  type AlertAttachment, backupFailedMessage, COLORS, drillFailedMessage, LOG_TAIL_LINES, MAX_LISTED, overdueMessage,
  recoveredMessage, repositoryProblemMessage,
} from './messages';

const dumpError = new MmBackupError({
  step: 'dump-db', code: 'PG_DUMP_FAILED', message: 'pg_dump exited 1: password authentication failed for user "mmuser"',
  fix: 'check the database password in the Mattermost config',
});
const snapshot = { id: '4f2a9c01d3e5b7a8', durationMs: 185_000, totals: { size: 3 * 1024 ** 3 } };
const now = new Date('2024-05-02T09:30:00Z');

afterEach(() => clearSecretsForTests());

/** Every string an attachment shows, for "contains" assertions across all fields. */
function allText(a: AlertAttachment): string {
  return [a.fallback, a.pretext, a.title, a.text, a.footer, ...a.fields.flatMap((f) => [f.title, f.value])].join('\n');
}

function fieldValue(a: AlertAttachment, title: string): string | undefined {
  return a.fields.find((f) => f.title === title)?.value;
}

describe.each<[string, () => AlertAttachment, string, string, RegExp[]]>([
  ['backup failed', () => backupFailedMessage({ components: ['db', 'files'], error: dumpError, logTail: ['pg_dump: connecting', 'pg_dump: error: auth'], host: 'mm1' }),
    COLORS.red, 'Backup failed at step dump-db',
    [/\*\*Cause:\*\* pg_dump exited 1/, /\*\*Fix:\*\* check the database password/, /`mmbackup backup`/, /```\npg_dump: connecting\npg_dump: error: auth\n```/, /Backup of db, files failed/, /mmbackup on mm1/]],
  ['recovered', () => recoveredMessage({ failures: 3, snapshot }),
    COLORS.green, 'Backup succeeded after 3 failed runs',
    [/4f2a9c01d3e5b7a8/, /3\.0 GiB/, /3 min 5 s/]],
  ['recovered from overdue only', () => recoveredMessage({ failures: 0, snapshot }),
    COLORS.green, 'Backup succeeded after being overdue', [/back to normal/]],
  ['overdue', () => overdueMessage({ lastSuccessAt: new Date('2024-05-01T03:00:00Z'), now, rpoHours: 24 }),
    COLORS.orange, 'No successful backup within the RPO threshold',
    [/No successful backup for 30 h 30 min: the RPO threshold is 24 h/, /2024-05-01 03:00 UTC/, /`mmbackup backup`/]],
  ['overdue, never succeeded', () => overdueMessage({ now, rpoHours: 24 }),
    COLORS.orange, 'No successful backup within the RPO threshold', [/No successful backup yet/, /never/]],
  ['drill mismatches', () => drillFailedMessage({ snapshotId: 'abc123', mismatches: ['table Posts: 1200 rows, expected 1201', 'file data/a.png: checksum differs'] }),
    COLORS.red, 'Restore drill of snapshot abc123 found 2 mismatches',
    [/- table Posts: 1200 rows, expected 1201/, /`mmbackup verify --read-data abc123`/, /`mmbackup verify --drill abc123`/]],
  ['drill could not finish', () => drillFailedMessage({ snapshotId: 'abc123', mismatches: [], error: { step: 'restore-db', code: 'PSQL_FAILED', message: 'psql exited 3' } }),
    COLORS.red, 'Restore drill of snapshot abc123 could not finish at step restore-db: psql exited 3', [/PSQL_FAILED/, /--read-data abc123/]],
  ['repository unreachable', () => repositoryProblemMessage({ kind: 'unreachable', location: 's3://backups/mm', error: { step: 'open-repository', code: 'S3_UNREACHABLE', message: 'connect ECONNREFUSED', fix: 'check the endpoint' } }),
    COLORS.red, 'Cannot reach the backup repository s3://backups/mm', [/ECONNREFUSED/, /check the endpoint/, /`mmbackup list`/]],
  ['repository nearly full', () => repositoryProblemMessage({ kind: 'nearly-full', location: '/srv/backup', freeBytes: 5 * 1024 ** 3, totalBytes: 100 * 1024 ** 3, estimateBytes: 2 * 1024 ** 3 }),
    COLORS.orange, 'Backup repository /srv/backup is nearly full',
    [/5\.0 GiB of 100\.0 GiB free/, /estimated to add 2\.0 GiB \(room for about 2 more backups\)/, /`mmbackup prune --dry-run`/]],
])('%s', (_name, build, color, title, expected) => {
  it('has its color, title, fallback and the details to act on', () => {
    const a = build();
    expect(a.color).toBe(color);
    expect(a.title).toBe(title);
    expect(a.fallback.length).toBeGreaterThan(0);
    for (const pattern of expected) expect(allText(a)).toMatch(pattern);
    for (const f of a.fields) expect(f.short).toBe(true);
  });
});

describe('backup failed', () => {
  it('shows step and code as fields, and counts failed runs in a row only past the first', () => {
    const once = backupFailedMessage({ components: ['db'], error: dumpError });
    expect(fieldValue(once, 'Step')).toBe('dump-db');
    expect(fieldValue(once, 'Code')).toBe('PG_DUMP_FAILED');
    expect(fieldValue(once, 'Failed runs in a row')).toBeUndefined();
    expect(once.text).not.toMatch(/```/);
    expect(fieldValue(backupFailedMessage({ components: ['db'], error: dumpError, consecutiveFailures: 4 }), 'Failed runs in a row')).toBe('4');
  });

  it('shows only the last log lines, and a ``` in a line cannot end the code block', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    lines[39] = 'evil ``` end';
    const text = backupFailedMessage({ components: ['db'], error: dumpError, logTail: lines }).text;
    expect(text).toContain(`Last ${LOG_TAIL_LINES} log lines:`);
    expect(text).not.toContain('line 24\n');
    expect(text).toContain('line 25');
    expect(text.match(/```/g)).toHaveLength(2);
  });
});

it('a drill with many mismatches lists the first ones and says how many more', () => {
  const mismatches = Array.from({ length: MAX_LISTED + 5 }, (_, i) => `mismatch ${i}`);
  const text = drillFailedMessage({ snapshotId: 'abc', mismatches }).text;
  expect(text).toContain(`- mismatch ${MAX_LISTED - 1}`);
  expect(text).not.toContain(`- mismatch ${MAX_LISTED}\n`);
  expect(text).toContain('… and 5 more');
});

it('a registered secret appears in no field of any alert, even cut by a long log line', () => {
  const secret = 'Zq8-s3cr3t-pa55word-Xy';
  registerSecret(secret);
  const error = { step: `dump ${secret}`, code: secret, message: `pg_dump: password ${secret} rejected`, fix: `set ${secret} again` };
  const long = `${'x'.repeat(290)}${secret}`; // would be clipped mid-secret if clipping came before redaction
  const alerts = [
    backupFailedMessage({ components: [secret], error, logTail: [`PGPASSWORD=${secret}`, long], host: secret }),
    recoveredMessage({ failures: 1, snapshot: { ...snapshot, id: secret }, host: secret }),
    overdueMessage({ now, rpoHours: 24, host: secret }),
    drillFailedMessage({ snapshotId: secret, mismatches: [secret, long], error, host: secret }),
    repositoryProblemMessage({ kind: 'unreachable', location: `s3://${secret}`, error }),
    repositoryProblemMessage({ kind: 'nearly-full', location: `/srv/${secret}`, freeBytes: 1, estimateBytes: 1 }),
  ];
  for (const a of alerts) {
    const json = JSON.stringify(a);
    expect(json).not.toContain(secret);
    expect(json).not.toContain(secret.slice(0, 8));
    expect(json).toContain('***');
  }
});

it('credentials in a URL are redacted even when never registered', () => {
  const a = repositoryProblemMessage({ kind: 'unreachable', location: 'https://user:hunter22@minio.local/bucket', error: { step: 's', code: 'C', message: 'm' } });
  expect(JSON.stringify(a)).not.toContain('hunter22');
});
