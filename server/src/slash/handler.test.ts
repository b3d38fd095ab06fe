/**
 * handleSlash as Mattermost drives it: /backup is registered on the spec-checked test server, invocations carry
 * the token Mattermost issued, and the admin check reads the invoker's roles through GET /api/v4/users/{id}.
 * The bridge operations are plain recording stubs.
 */
import { Client4 } from '@mattermost/client';
import { MmBackupError } from '../common/errors';
import { clearSecretsForTests } from '../common/redact';
import { MattermostApi } from '../mattermost-api/client';
import { startMattermostTestServer, type MattermostTestServer } from '../../test/support/mattermost/server';
import type { BackupRequester, SlashDeps, SnapshotSummary, StatusSummary } from './deps';
import { BAD_TOKEN, handleSlash } from './handler';
import { ensureSlashCommands, tokensOf } from './registration';
import { NOT_ADMIN } from './replies';
import { parseSlashRequest } from './request';

const NOW = new Date('2025-03-04T05:06:00Z');
const RESPONSE_URL = 'http://127.0.0.1:1/hooks/commands/h';

let mm: MattermostTestServer;
let tokens: string[];
let admin: string;
let plain: string;
let started: Array<{ kind: string; arg: unknown; by: BackupRequester }>;
let deps: SlashDeps;

beforeEach(async () => {
  mm = await startMattermostTestServer();
  const bot = mm.state.addBot({ username: 'backup-bot', permissions: ['manage_slash_commands'] });
  mm.state.addTeamMember(mm.state.addTeam('ops').id, bot.user.id);
  const api = new MattermostApi({ siteUrl: mm.url, botToken: bot.token });
  tokens = tokensOf(await ensureSlashCommands(api, {
    url: 'http://127.0.0.1:8081/slash', trigger: 'backup', displayName: 'Backup', description: 'Backups', autocompleteHint: '[now|status]',
  }));
  admin = mm.state.addUser({ username: 'alice', roles: 'system_user system_admin' }).user.id;
  plain = mm.state.addUser({ username: 'bob' }).user.id;
  started = [];
  deps = stubDeps(userRoles(mm.url, bot.token));
});

afterEach(async () => {
  await mm.stop();
  expect(mm.problems).toEqual([]);
  clearSecretsForTests();
});

/** The admin check the bridge makes: the invoker's roles, read with the bot token. */
function userRoles(siteUrl: string, botToken: string) {
  const client = new Client4();
  client.setUrl(siteUrl);
  client.setToken(botToken);
  return async (userId: string) => (await client.getUser(userId)).roles.split(' ').includes('system_admin');
}

function stubDeps(isSystemAdmin: (id: string) => Promise<boolean>): SlashDeps {
  return {
    isSystemAdmin,
    commandTokens: () => tokens,
    startBackup: async (components, by) => { started.push({ kind: 'backup', arg: components, by }); return { jobId: 'job-1' }; },
    startVerify: async (id, by) => { started.push({ kind: 'verify', arg: id, by }); return { jobId: 'job-2' }; },
    status: async () => STATUS,
    list: async (limit) => SNAPSHOTS.slice(0, limit),
  };
}

/** An invocation as Mattermost's command.go would send it. */
function invoke(text: string, userId = admin, token = tokens[0]) {
  const form = new URLSearchParams({
    token, team_id: 't', team_domain: 'ops', channel_id: 'chan', channel_name: 'town-square', user_id: userId,
    user_name: userId === admin ? 'alice' : 'bob', command: '/backup', text, trigger_id: 'trig', response_url: RESPONSE_URL,
  });
  return handleSlash(parseSlashRequest(form.toString()), deps, () => NOW);
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

it('admin "now db" starts a database backup, says so at once, and passes the response_url on', async () => {
  const result = await invoke('now db');
  expect(result).toEqual({ status: 200, body: { response_type: 'ephemeral', text: "Backup started (job job-1: db); I'll report here when it finishes." } });
  expect(started).toEqual([{ kind: 'backup', arg: ['db'], by: { userId: admin, userName: 'alice', channelId: 'chan', responseUrl: RESPONSE_URL } }]);
  expect(mm.requests.filter((r) => r.operationId === 'GetUser')).toHaveLength(1);
});

it('"now" without components backs up everything; a busy bridge says what is running', async () => {
  deps.startBackup = async (components) => { started.push({ kind: 'backup', arg: components, by: {} as BackupRequester }); return { busy: 'a verify job' }; };
  const result = await invoke('now');
  expect(started[0].arg).toBeUndefined();
  expect(result.body.text).toMatch(/^Not started: a verify job is running/);
});

it('refuses a non-admin politely and starts nothing', async () => {
  const result = await invoke('now', plain);
  expect(result).toEqual({ status: 200, body: { response_type: 'ephemeral', text: NOT_ADMIN } });
  expect(started).toEqual([]);
});

it('refuses a wrong token with 401 before asking Mattermost anything', async () => {
  const before = mm.requests.length;
  const result = await invoke('now', admin, `${tokens[0].slice(0, -1)}x`);
  expect(result).toEqual({ status: 401, body: { response_type: 'ephemeral', text: BAD_TOKEN } });
  expect(mm.requests.length).toBe(before);
  expect(started).toEqual([]);
});

it('help, and unknown subcommands answer with the usage', async () => {
  expect((await invoke('help')).body.text).toContain('`/backup now [db|config|files ...]`');
  const unknown = (await invoke('frobnicate')).body.text;
  expect(unknown).toMatch(/^Sorry, unknown subcommand "frobnicate"\.\n\n\*\*\/backup\*\* commands/);
});

it('list shows a table of the newest snapshots', async () => {
  expect((await invoke('list 2')).body.text).toBe([
    '| Snapshot | Finished | Components | Size | Verified |',
    '|---|---|---|---|---|',
    '| 3f2a9c01d4e5b6a7 | 2025-03-04 03:00 UTC (2 h 6 min ago) | db, config, files | 1.5 GiB | 2025-03-04 04:00 UTC |',
    '| 0b1c2d3e4f5a6b7c | 2025-03-03 03:00 UTC (26 h 6 min ago) | db | 2.0 KiB | never |',
  ].join('\n'));
  deps.list = async () => [];
  expect((await invoke('list')).body.text).toBe('No snapshots yet. Start one with `/backup now`.');
});

it('status lists the running job, RPO, history, next run, repository and warnings', async () => {
  expect((await invoke('status')).body.text).toBe([
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
  expect((await invoke('verify 3f2a')).body.text).toBe("Verification of snapshot 3f2a started (job job-2); I'll report here when it finishes.");
  expect(started.map((s) => [s.kind, s.arg])).toEqual([['verify', '3f2a']]);
});

it('restore only prints the CLI lines, dry run first, and runs nothing', async () => {
  const text = (await invoke('restore 3f2a9c01d4e5b6a7')).body.text;
  expect(text).toContain('```\nmmbackup restore 3f2a9c01d4e5b6a7 --dry-run\n```');
  expect(text.indexOf('--dry-run')).toBeLessThan(text.lastIndexOf('mmbackup restore 3f2a9c01d4e5b6a7\n'));
  expect((await invoke('restore')).body.text).toContain('mmbackup restore latest --dry-run');
  expect(started).toEqual([]);
});

it('a failing bridge operation is answered with its step, code and fix, redacted', async () => {
  deps.status = async () => { throw new MmBackupError({ step: 'repository', code: 'REPO_UNREACHABLE', message: 'cannot reach s3://key:hunter22@bucket', fix: 'check the endpoint' }); };
  const text = (await invoke('status')).body.text;
  expect(text).toBe('Sorry, that failed at step repository (REPO_UNREACHABLE): cannot reach s3://key:***@bucket\nFix: check the endpoint');
});
