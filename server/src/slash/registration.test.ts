/**
 * ensureSlashCommands against the spec-checked Mattermost test server: it creates /backup on every team, a
 * second run writes nothing, a changed URL updates in place (same token), other commands are left alone, and one
 * failing team does not stop the others.
 */
import { clearSecretsForTests } from '../common/redact';
import { MmBackupError } from '../common/errors';
import { MattermostApi } from '../mattermost-api/client';
import { startMattermostTestServer, type MattermostTestServer } from '../../test/support/mattermost/server';
import { ensureSlashCommands, tokensOf, type SlashCommandOptions } from './registration';

let mm: MattermostTestServer;
let api: MattermostApi;
let botId: string;

const OPTIONS: SlashCommandOptions = {
  url: 'http://127.0.0.1:8081/backup-dr/api/v1/slash', trigger: 'backup', displayName: 'Backup',
  description: 'Backups of this Mattermost server', autocompleteHint: '[now|status|list|verify|help]',
};

beforeEach(async () => {
  mm = await startMattermostTestServer();
  const bot = mm.state.addBot({ username: 'backup-bot', permissions: ['manage_slash_commands'] });
  botId = bot.user.id;
  for (const name of ['ops', 'eng']) mm.state.addTeamMember(mm.state.addTeam(name).id, botId);
  api = new MattermostApi({ siteUrl: mm.url, botToken: bot.token });
});

afterEach(async () => {
  await mm.stop();
  expect(mm.problems).toEqual([]);
  clearSecretsForTests();
});

const writes = () => mm.requests.filter((r) => r.path.startsWith('/api/v4/commands') && r.method !== 'GET');
const live = () => [...mm.state.commands.values()].filter((c) => c.delete_at === 0);

it('creates /backup on every team with the bridge URL, POST and autocomplete, and returns each token', async () => {
  const report = await ensureSlashCommands(api, OPTIONS);
  expect(report.teams.map((t) => [t.teamName, t.outcome])).toEqual([['ops', 'created'], ['eng', 'created']]);
  expect(live()).toHaveLength(2);
  for (const command of live()) {
    expect(command).toMatchObject({
      trigger: 'backup', url: OPTIONS.url, method: 'P', auto_complete: true, creator_id: botId,
      auto_complete_hint: OPTIONS.autocompleteHint, auto_complete_desc: OPTIONS.description, display_name: 'Backup',
    });
  }
  expect(tokensOf(report).sort()).toEqual(live().map((c) => c.token).sort());
});

it('a second run changes nothing and returns the same tokens', async () => {
  const first = await ensureSlashCommands(api, OPTIONS);
  const before = writes().length;
  const second = await ensureSlashCommands(api, OPTIONS);
  expect(second.teams.map((t) => t.outcome)).toEqual(['unchanged', 'unchanged']);
  expect(writes()).toHaveLength(before);
  expect(tokensOf(second)).toEqual(tokensOf(first));
});

it('a changed URL updates the command in place, keeping its token and the admin\'s wording', async () => {
  const first = await ensureSlashCommands(api, OPTIONS);
  for (const command of live()) mm.state.commands.set(command.id, { ...command, display_name: 'Backups (ops)' });
  const moved = { ...OPTIONS, url: 'https://chat.example.com/backup-dr/api/v1/slash' };
  const second = await ensureSlashCommands(api, moved);
  expect(second.teams.map((t) => t.outcome)).toEqual(['updated', 'updated']);
  expect(tokensOf(second)).toEqual(tokensOf(first));
  expect(live().map((c) => [c.url, c.display_name])).toEqual([[moved.url, 'Backups (ops)'], [moved.url, 'Backups (ops)']]);
});

it('leaves other commands alone', async () => {
  const ops = mm.state.teamByName('ops')!;
  const other = (await api.createCommand({ teamId: ops.id, trigger: 'deploy', url: 'https://ci.example.com/hook' }));
  await ensureSlashCommands(api, OPTIONS);
  await ensureSlashCommands(api, { ...OPTIONS, url: 'https://chat.example.com/slash' });
  expect(mm.state.commands.get(other.id)).toMatchObject({ trigger: 'deploy', url: 'https://ci.example.com/hook', update_at: other.update_at });
});

it('a team that fails is reported with its error; the other teams are still registered', async () => {
  const eng = mm.state.teamByName('eng')!;
  const flaky = {
    teams: () => api.teams(),
    listCommands: (teamId: string) => (teamId === eng.id
      ? Promise.reject(new MmBackupError({ step: 'mattermost-api', code: 'MM_FORBIDDEN', message: 'GET /api/v4/commands answered 403' }))
      : api.listCommands(teamId)),
    createCommand: api.createCommand.bind(api),
    updateCommand: api.updateCommand.bind(api),
  };
  const report = await ensureSlashCommands(flaky, OPTIONS);
  expect(report.teams.map((t) => [t.teamName, t.outcome, t.error?.code])).toEqual([['ops', 'created', undefined], ['eng', 'failed', 'MM_FORBIDDEN']]);
  expect(tokensOf(report)).toHaveLength(1);
});
