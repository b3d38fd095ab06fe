/**
 * The Mattermost test server itself: its spec checks catch what they should, and the official client
 * (@mattermost/client Client4) gets through the bridge's calls without a single spec problem.
 */
import { Client4 } from '@mattermost/client';
import type { Command } from '@mattermost/types/integrations';
import { MattermostSpec, openApiDir } from './openapi';
import { startMattermostTestServer, type MattermostTestServer } from './server';

describe('MattermostSpec', () => {
  const spec = MattermostSpec.load();

  it('finds the spec beside the repository and assembles every fragment', () => {
    expect(openApiDir()).toMatch(/shared[\\/]mattermost-api$/);
    expect(spec.operationCount).toBeGreaterThan(200);
  });

  it('takes its directory from MM_OPENAPI_DIR when set, and names a missing fragment', () => {
    const saved = process.env.MM_OPENAPI_DIR;
    process.env.MM_OPENAPI_DIR = '/nonexistent/mattermost-api';
    try {
      expect(openApiDir()).toBe('/nonexistent/mattermost-api');
      expect(() => MattermostSpec.load()).toThrow('/nonexistent/mattermost-api/introduction.yaml (set MM_OPENAPI_DIR)');
    } finally {
      if (saved === undefined) delete process.env.MM_OPENAPI_DIR;
      else process.env.MM_OPENAPI_DIR = saved;
    }
  });

  it('prefers literal path segments over parameters', () => {
    expect(spec.match('POST', '/api/v4/users/login')?.operation.operationId).toBe('Login');
    expect(spec.match('GET', '/api/v4/users/me')?.params).toEqual({ user_id: 'me' });
    expect(spec.match('GET', '/api/v4/no/such/thing')).toBeUndefined();
  });

  it('catches a bad request body and a missing required query parameter', () => {
    const bad = spec.checkRequest({ method: 'POST', pathname: '/api/v4/posts', query: new URLSearchParams(), body: { message: 42 } });
    expect(bad.problems.join('\n')).toMatch(/channel_id/);
    expect(bad.problems.join('\n')).toMatch(/\/message must be string/);
    const query = spec.checkRequest({
      method: 'GET', pathname: '/api/v4/teams/t1/commands/autocomplete_suggestions', query: new URLSearchParams(), body: undefined,
    });
    expect(query.problems).toEqual([expect.stringMatching(/required query parameter user_input is missing/)]);
  });

  it('catches a bad response body and an undocumented status', () => {
    const op = spec.match('GET', '/api/v4/users/me')!.operation;
    expect(spec.checkResponse(op, 200, { id: 'u1', username: 'alice', roles: 'system_user' })).toEqual([]);
    expect(spec.checkResponse(op, 200, { id: 7, create_at: 'yesterday' }).join('\n')).toMatch(/\/id must be string[^]*\/create_at must be integer/);
    expect(spec.checkResponse(op, 418, {})).toEqual([expect.stringMatching(/status not documented/)]);
  });

  it('does not validate against the PascalCase slash-command schemas', () => {
    const op = spec.match('POST', '/api/v4/commands/execute')!.operation;
    expect(spec.checkResponse(op, 200, { response_type: 'ephemeral', text: 'hi' })).toEqual([expect.stringMatching(/not checked: .*CommandResponse/)]);
  });
});

describe('startMattermostTestServer', () => {
  let mm: MattermostTestServer;
  let client: Client4;
  let botId: string;
  let teamId: string;

  beforeEach(async () => {
    mm = await startMattermostTestServer();
    const bot = mm.state.addBot({ username: 'backup-bot', permissions: ['manage_slash_commands'] });
    botId = bot.user.id;
    const team = mm.state.addTeam('ops');
    teamId = team.id;
    mm.state.addTeamMember(team.id, botId);
    mm.state.addChannel(team.id, 'alerts');
    client = new Client4();
    client.setUrl(mm.url);
    client.setToken(bot.token);
  });

  afterEach(async () => {
    await mm.stop();
  });

  it('serves the bot through Client4 with no spec problems', async () => {
    const me = await client.getMe();
    expect(me).toMatchObject({ id: botId, username: 'backup-bot', is_bot: true });

    const channel = await client.getChannelByNameAndTeamName('ops', 'alerts');
    expect(channel.name).toBe('alerts');
    await client.addToChannel(botId, channel.id);
    expect(mm.state.isChannelMember(channel.id, botId)).toBe(true);

    const attachments = [{ color: '#d24b4e', title: 'Backup failed', fields: [{ title: 'Step', value: 'dump-db', short: true }] }];
    const post = await client.createPost({ channel_id: channel.id, message: 'backup failed', props: { attachments } } as never);
    expect(post).toMatchObject({ channel_id: channel.id, user_id: botId, props: { attachments } });
    expect(mm.state.posts).toHaveLength(1);

    const created = await client.addCommand({
      team_id: teamId, trigger: 'backup', method: 'P', url: 'http://127.0.0.1:8099/backup-dr/api/v1/slash',
      auto_complete: true, auto_complete_desc: 'Back up Mattermost', auto_complete_hint: 'now|status|list', display_name: 'Backup',
    } as Command);
    expect(created.token).toHaveLength(26);
    const listed = await client.getCustomTeamCommands(teamId);
    expect(listed.map((c) => c.trigger)).toEqual(['backup']);
    const withSystem = await client.getCommandsList(teamId);
    expect(withSystem.map((c) => c.trigger)).toEqual(expect.arrayContaining(['backup', 'echo']));
    const edited = await client.editCommand({ ...created, url: 'http://127.0.0.1:8100/backup-dr/api/v1/slash' });
    expect(edited.url).toMatch(/8100/);
    await client.deleteCommand(created.id);
    expect(await client.getCustomTeamCommands(teamId)).toEqual([]);

    expect(await client.ping(false)).toMatchObject({ status: 'OK' });
    expect(mm.problems).toEqual([]);
  });

  it('answers 401 without a valid token and 403 without the permission, in AppError shape', async () => {
    client.setToken('not-a-token');
    await expect(client.getMe()).rejects.toMatchObject({ status_code: 401, server_error_id: 'api.context.session_expired.app_error' });
    const plain = mm.state.addUser({ username: 'carol' });
    client.setToken(plain.token);
    await expect(client.addCommand({ team_id: teamId, trigger: 'x', method: 'P', url: 'http://127.0.0.1/x' } as Command))
      .rejects.toMatchObject({ status_code: 403, message: expect.stringContaining('manage_slash_commands') });
    expect(mm.problems).toEqual([]);
  });

  it('takes a session cookie, with Mattermost\'s CSRF rule for writes', async () => {
    const admin = mm.state.addUser({ username: 'admin', roles: 'system_admin system_user' });
    const get = await fetch(`${mm.url}/api/v4/users/me`, { headers: { Cookie: `MMAUTHTOKEN=${admin.token}` } });
    expect(await get.json()).toMatchObject({ username: 'admin', roles: 'system_admin system_user' });
    const write = (headers: Record<string, string>) => fetch(`${mm.url}/api/v4/commands`, {
      method: 'POST',
      headers: { Cookie: `MMAUTHTOKEN=${admin.token}; MMCSRF=c1`, 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ team_id: teamId, trigger: 'b', method: 'P', url: 'http://127.0.0.1/b' }),
    });
    expect((await write({})).status).toBe(401);
    expect((await write({ 'X-CSRF-Token': 'c1' })).status).toBe(201);
    expect(mm.problems).toEqual([]);
  });

  it('records a problem and answers 400 for a request that breaks the spec', async () => {
    const res = await fetch(`${mm.url}/api/v4/posts`, {
      method: 'POST', headers: { Authorization: `Bearer ${client.getToken()}` }, body: JSON.stringify({ message: 1 }),
    });
    expect(res.status).toBe(400);
    expect(mm.problems.join('\n')).toMatch(/CreatePost\) request body: .*channel_id/);
  });

  it('records a problem when its own response breaks the documented schema', async () => {
    // Corrupt the state the way a test-server bug would: the response check must notice before the client does.
    (mm.state.users.get(botId) as unknown as { create_at: string }).create_at = 'yesterday';
    await client.getMe();
    expect(mm.problems).toEqual([expect.stringMatching(/GetUser\) response 200 body: \/create_at must be integer/)]);
  });

  it('records a problem and answers 404 for a path the spec does not have', async () => {
    const res = await fetch(`${mm.url}/api/v4/backups`, { headers: { Authorization: `Bearer ${client.getToken()}` } });
    expect(res.status).toBe(404);
    expect(mm.problems).toEqual(['GET /api/v4/backups: no such operation in the spec']);
    expect(mm.requests[0]).toMatchObject({ path: '/api/v4/backups', status: 404 });
  });
});
