/**
 * handleCommand as the plugin drives it: the invocation arrives as POST /api/v1/commands' body (the plugin
 * has checked the caller), the bridge operations are plain recording objects.
 */
import type { CommandRequest } from '@backup-dr/wire';
import { MmBackupError } from '../common/errors';
import { clearSecretsForTests } from '../common/redact';
import type { BackupRequester, SlashDeps, SnapshotSummary, StatusSummary } from './deps';
import { handleCommand } from './handler';

const NOW = new Date('2025-03-04T05:06:00Z');

let started: Array<{ kind: string; arg: unknown; by: BackupRequester }>;
let deps: SlashDeps;

beforeEach(() => {
  started = [];
  deps = {
    startBackup: async (components, by) => { started.push({ kind: 'backup', arg: components, by }); return { jobId: 'job-1' }; },
    startVerify: async (id, by) => { started.push({ kind: 'verify', arg: id, by }); return { jobId: 'job-2' }; },
    status: async () => STATUS,
    list: async (limit) => SNAPSHOTS.slice(0, limit),
  };
});

afterEach(() => clearSecretsForTests());

/** An invocation as the plugin forwards it. */
function invoke(text: string, extra: Partial<CommandRequest> = {}) {
  return handleCommand({ userId: 'u-alice', username: 'alice', channelId: 'chan', teamId: 'team', text, ...extra }, deps, () => NOW);
}

const STATUS: StatusSummary = {
  running: { jobId: 'job-9', kind: 'backup', step: 'dump-db', startedAt: new Date('2025-03-04T05:01:00Z') },
  lastSuccess: { snapshotId: '3f2a9c01d4e5b6a7', finishedAt: new Date('2025-03-04T03:00:00Z') },
  rpo: { ageMs: 2 * 3600_000 + 6 * 60_000, thresholdMs: 26 * 3600_000, overdue: false },
  nextBackup: new Date('2025-03-05T03:00:00Z'),
  repository: 's3:https://s3.example.com/backups/mm',
  warnings: ['storage 91% full'],
};

const SNAPSHOTS: SnapshotSummary[] = [
  { id: '3f2a9c01d4e5b6a7', finishedAt: new Date('2025-03-04T03:00:00Z'), components: ['db', 'config', 'files'], sizeBytes: 1536 * 1024 * 1024, verifiedAt: new Date('2025-03-04T04:00:00Z') },
  { id: '0b1c2d3e4f5a6b7c', finishedAt: new Date('2025-03-03T03:00:00Z'), components: ['db'], sizeBytes: 2048 },
];

it('"now db" starts a database backup, says so at once, and passes the channel and thread on for the outcome', async () => {
  const result = await invoke('now db', { rootId: 'thread-1' });
  expect(result).toEqual({ text: "Backup started (job job-1: db); I'll report here when it finishes." });
  expect(started).toEqual([{ kind: 'backup', arg: ['db'], by: { userId: 'u-alice', username: 'alice', channelId: 'chan', rootId: 'thread-1' } }]);
});

it('"now" without components backs up everything; a busy bridge says what is running', async () => {
  deps.startBackup = async (components) => { started.push({ kind: 'backup', arg: components, by: {} as BackupRequester }); return { busy: 'a verify job' }; };
  const result = await invoke('now');
  expect(started[0].arg).toBeUndefined();
  expect(result.text).toMatch(/^Not started: a verify job is running/);
});

it('help, and unknown subcommands answer with the usage', async () => {
  expect((await invoke('help')).text).toContain('`/backup now [db|config|files ...]`');
  const unknown = (await invoke('frobnicate')).text;
  expect(unknown).toMatch(/^Sorry, unknown subcommand "frobnicate"\.\n\n\*\*\/backup\*\* commands/);
});

it('list shows a table of the newest snapshots', async () => {
  expect((await invoke('list 2')).text).toBe([
    '| Snapshot | Finished | Components | Size | Verified |',
    '|---|---|---|---|---|',
    '| 3f2a9c01d4e5b6a7 | 2025-03-04 03:00 UTC (2 h 6 min ago) | db, config, files | 1.5 GiB | 2025-03-04 04:00 UTC |',
    '| 0b1c2d3e4f5a6b7c | 2025-03-03 03:00 UTC (26 h 6 min ago) | db | 2.0 KiB | never |',
  ].join('\n'));
  deps.list = async () => [];
  expect((await invoke('list')).text).toBe('No snapshots yet. Start one with `/backup now`.');
});

it('status lists the running job, RPO, history, next run, repository and warnings', async () => {
  expect((await invoke('status')).text).toBe([
    '- Running: backup job job-9, step dump-db, since 2025-03-04 05:01 UTC (5 min ago)',
    '- RPO: newest good backup is 2 h 6 min old, within the 26 h threshold',
    '- Last good backup: 3f2a9c01d4e5b6a7, 2025-03-04 03:00 UTC (2 h 6 min ago)',
    '- Last verified: never',
    '- Next backup: 2025-03-05 03:00 UTC',
    '- Repository: s3:https://s3.example.com/backups/mm',
    '- Warning: storage 91% full',
  ].join('\n'));
});

it('verify starts a verification of the given snapshot', async () => {
  expect((await invoke('verify 3f2a')).text).toBe("Verification of snapshot 3f2a started (job job-2); I'll report here when it finishes.");
  expect(started.map((s) => [s.kind, s.arg])).toEqual([['verify', '3f2a']]);
});

it('restore only prints the CLI lines, dry run first, and runs nothing', async () => {
  const text = (await invoke('restore 3f2a9c01d4e5b6a7')).text;
  expect(text).toContain('```\nmmbackup restore 3f2a9c01d4e5b6a7 --dry-run\n```');
  expect(text.indexOf('--dry-run')).toBeLessThan(text.lastIndexOf('mmbackup restore 3f2a9c01d4e5b6a7\n'));
  expect((await invoke('restore')).text).toContain('mmbackup restore latest --dry-run');
  expect(started).toEqual([]);
});

it('a failing bridge operation is answered with its step, code and fix, redacted', async () => {
  deps.status = async () => { throw new MmBackupError({ step: 'repository', code: 'REPO_UNREACHABLE', message: 'cannot reach s3://key:hunter22@bucket', fix: 'check the endpoint' }); };
  const text = (await invoke('status')).text;
  expect(text).toBe('Sorry, that failed at step repository (REPO_UNREACHABLE): cannot reach s3://key:***@bucket\nFix: check the endpoint');
});
