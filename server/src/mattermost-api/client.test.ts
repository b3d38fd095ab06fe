/**
 * MattermostApi against the spec-checked Mattermost test server: every call must conform to the official
 * OpenAPI description (problems stays empty) and every failure must come back as an MmBackupError with a fix.
 */
import { MmBackupError } from '../common/errors';
import { clearSecretsForTests } from '../common/redact';
import { startMattermostTestServer, type MattermostTestServer } from '../../test/support/mattermost/server';
import { MattermostApi } from './client';
import { BOT_TOKEN_FIX } from './errors';

let mm: MattermostTestServer;
let api: MattermostApi;
let bot: { id: string; token: string };
let teamId: string;
let alertsId: string;

beforeEach(async () => {
  mm = await startMattermostTestServer();
  const created = mm.state.addBot({ username: 'backup-bot', permissions: ['manage_slash_commands'] });
  bot = { id: created.user.id, token: created.token };
  const team = mm.state.addTeam('ops');
  teamId = team.id;
  mm.state.addTeamMember(team.id, bot.id);
  alertsId = mm.state.addChannel(team.id, 'alerts').id;
  api = new MattermostApi({ siteUrl: `${mm.url}/`, botToken: bot.token });
});

afterEach(async () => {
  await mm.stop();
  expect(mm.problems).toEqual([]);
  clearSecretsForTests();
});

/** The rejection of `promise`, which must be an MmBackupError. */
async function failure(promise: Promise<unknown>): Promise<MmBackupError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MmBackupError);
  return err as MmBackupError;
}

describe('identity', () => {
  it('me() is the bot', async () => {
    expect(await api.me()).toMatchObject({ id: bot.id, username: 'backup-bot' });
  });

  it('sessionUser() tells a system admin from a plain user, whatever token kind', async () => {
    const admin = mm.state.addUser({ username: 'alice', roles: 'system_user system_admin' });
    const plain = mm.state.addUser({ username: 'bob' });
    expect(await api.sessionUser(admin.token)).toEqual({ id: admin.user.id, username: 'alice', roles: ['system_user', 'system_admin'], isSystemAdmin: true });
    expect(await api.sessionUser(plain.token)).toMatchObject({ username: 'bob', isSystemAdmin: false });
    const pat = mm.state.addToken(admin.user.id);
    expect((await api.sessionUser(pat)).isSystemAdmin).toBe(true);
  });

  it('an invalid session is MM_UNAUTHORIZED with a user-facing fix, and the token appears nowhere', async () => {
    const token = 'kj3h4k5jh34k5jh34k5jh34k5j';
    const err = await failure(api.sessionUser(token));
    expect(err).toMatchObject({ step: 'mattermost-api', code: 'MM_UNAUTHORIZED' });
    expect(err.message).toMatch(/GET \/api\/v4\/users\/me answered 401/);
    expect(err.fix).not.toBe(BOT_TOKEN_FIX);
    expect(JSON.stringify(err.toJSON()) + err.describe()).not.toContain(token);
  });

  it('a revoked bot token says to create a new one for MMBACKUP_BOT_TOKEN, without showing it', async () => {
    mm.state.revokeToken(bot.token);
    const err = await failure(api.me());
    expect(err).toMatchObject({ code: 'MM_UNAUTHORIZED', fix: BOT_TOKEN_FIX });
    expect(err.describe()).not.toContain(bot.token);
  });
});

describe('teams and channels', () => {
  it('teams() pages through every team when the bot may see them all', async () => {
    mm.state.users.get(bot.id)!.roles = 'system_user system_admin';
    for (let i = 0; i < 201; i++) mm.state.addTeam(`team-${i}`, i % 2 ? 'I' : 'O');
    const teams = await api.teams();
    expect(teams).toHaveLength(202);
    expect(teams.some((t) => t.type === 'I')).toBe(true);
  });

  it('teams() gives a plain bot the open teams only', async () => {
    mm.state.addTeam('private', 'I');
    expect((await api.teams()).map((t) => t.name)).toEqual(['ops']);
  });

  it('finds the ops channel, joins it and posts an alert with attachments', async () => {
    const channel = await api.channelByName('ops', 'alerts');
    expect(channel.id).toBe(alertsId);
    await api.ensureMember(channel.id, bot.id);
    await api.ensureMember(channel.id, bot.id); // again: harmless
    const attachments = [{ color: '#d24b4e', title: 'Backup failed', text: 'pg_dump exited 1', fields: [{ title: 'Step', value: 'dump-db', short: true }] }];
    const post = await api.post(channel.id, 'Backup failed', attachments);
    expect(post).toMatchObject({ channel_id: alertsId, user_id: bot.id });
    expect(mm.state.posts.map((p) => p.props)).toEqual([{ attachments }]);
    await api.post(channel.id, 'Back to normal');
    expect(mm.state.posts[1].props).toEqual({});
  });

  it('an unknown channel is MM_NOT_FOUND naming the endpoint', async () => {
    const err = await failure(api.channelByName('ops', 'nope'));
    expect(err).toMatchObject({ code: 'MM_NOT_FOUND' });
    expect(err.message).toMatch(/GET \/api\/v4\/teams\/name\/ops\/channels\/name\/nope answered 404/);
  });

  it('posting before joining is MM_FORBIDDEN naming create_post', async () => {
    const err = await failure(api.post(alertsId, 'hello'));
    expect(err).toMatchObject({ code: 'MM_FORBIDDEN' });
    expect(err.fix).toMatch(/create_post/);
  });

  it('ephemeral posts need a system-admin bot', async () => {
    const user = mm.state.addUser({ username: 'alice' });
    expect((await failure(api.postEphemeral(user.user.id, alertsId, 'started'))).fix).toMatch(/create_post_ephemeral/);
    mm.state.users.get(bot.id)!.roles = 'system_user system_admin';
    await api.postEphemeral(user.user.id, alertsId, 'started');
    expect(mm.state.posts[0]).toMatchObject({ message: 'started', ephemeral_for: user.user.id });
  });
});

describe('slash commands', () => {
  const spec = {
    teamId: '', trigger: 'backup', url: 'http://127.0.0.1:8099/backup-dr/api/v1/slash', displayName: 'Backup',
    description: 'Backups of this Mattermost', autoCompleteDesc: 'Back up now, status, list, verify', autoCompleteHint: 'now|status|list|verify|help',
  };

  it('creates, lists and updates the /backup command, keeping its token', async () => {
    expect(await api.listCommands(teamId)).toEqual([]);
    const created = await api.createCommand({ ...spec, teamId });
    expect(created).toMatchObject({ team_id: teamId, trigger: 'backup', method: 'P', auto_complete: true, creator_id: bot.id });
    expect((await api.listCommands(teamId)).map((c) => c.id)).toEqual([created.id]);
    const updated = await api.updateCommand(created, { ...spec, teamId, url: 'http://127.0.0.1:8100/backup-dr/api/v1/slash' });
    expect(updated).toMatchObject({ id: created.id, token: created.token, url: 'http://127.0.0.1:8100/backup-dr/api/v1/slash' });
    expect(mm.state.commands.get(created.id)!.url).toMatch(/8100/);
  });

  it('without manage_slash_commands the fix names the permission', async () => {
    mm.state.users.get(bot.id)!.permissions.clear();
    const err = await failure(api.createCommand({ ...spec, teamId }));
    expect(err).toMatchObject({ code: 'MM_FORBIDDEN' });
    expect(err.message).toMatch(/POST \/api\/v4\/commands answered 403/);
    expect(err.fix).toMatch(/manage_slash_commands/);
  });
});

describe('reachability', () => {
  it('ping() resolves while Mattermost is up', async () => {
    await expect(api.ping()).resolves.toBeUndefined();
  });

  it('a site URL nobody listens on is MM_UNREACHABLE with ECONNREFUSED', async () => {
    await mm.stop();
    const err = await failure(api.ping());
    expect(err).toMatchObject({ code: 'MM_UNREACHABLE' });
    expect(err.message).toContain(`Mattermost at ${mm.url} is unreachable (ECONNREFUSED)`);
    expect(err.fix).toMatch(/reachable/);
  });
});
