/**
 * The launchers of the real servers other tests run against work: the pinned Mattermost server
 * (build/ensure-mattermost.sh) and MinIO (build/ensure-minio.sh). A server that is not built fails these tests
 * with the command that builds it.
 */
import { existsSync } from 'node:fs';
import { databaseExists, MATTERMOST_START_TIMEOUT_MS, MattermostApiError, type RealMattermost, startMattermost } from './support/real-mattermost';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

describe('a real Mattermost server', () => {
  let mm: RealMattermost;
  let startSeconds = 0;

  beforeAll(async () => {
    const started = Date.now();
    mm = await startMattermost();
    startSeconds = (Date.now() - started) / 1000;
  }, MATTERMOST_START_TIMEOUT_MS + 60000);

  afterAll(async () => {
    await mm?.stop();
  }, 60000);

  test('starts on a loopback port with its own database and answers ping healthy', async () => {
    expect(mm.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await databaseExists(mm.database)).toBe(true);
    const { response, body } = await mm.request<{ status: string; database_status: string; filestore_status: string }>('GET', '/api/v4/system/ping?get_server_status=true');
    expect(body).toMatchObject({ status: 'OK', database_status: 'OK', filestore_status: 'OK' });
    expect(response.headers.get('X-Version-Id')).toContain('11.4.0');
    console.log(`Mattermost ${mm.version} answered in ${startSeconds.toFixed(1)} s (first start: migrations on an empty database)`);
  });

  test('the first user created is a system admin', async () => {
    const { body: me } = await mm.request<{ id: string; roles: string }>('GET', '/api/v4/users/me');
    expect(me.id).toBe(mm.admin.id);
    expect(me.roles.split(' ')).toContain('system_admin');
    const { body: config } = await mm.request<{ ServiceSettings: { SiteURL: string } }>('GET', '/api/v4/config');
    expect(config.ServiceSettings.SiteURL).toBe(mm.url);
  });

  test('a user created later is not an admin, and the admin-only API refuses it', async () => {
    const user = await mm.createUser();
    const { body: me } = await mm.request<{ id: string; roles: string }>('GET', '/api/v4/users/me', { token: user.token });
    expect(me.id).toBe(user.id);
    expect(me.roles.split(' ')).not.toContain('system_admin');
    await expect(mm.request('GET', '/api/v4/config', { token: user.token })).rejects.toMatchObject({ status: 403 });
    const { body: members } = await mm.request<Array<{ user_id: string }>>('GET', `/api/v4/teams/${mm.team.id}/members`);
    expect(members.map((m) => m.user_id)).toContain(user.id);
  });

  test('a browser-like login gives session cookies the API accepts, with the CSRF token for writes', async () => {
    const user = await mm.createUser();
    const session = await mm.login(user.username, user.password);
    expect(session.userId).toBe(user.id);
    expect(session.csrfToken).toMatch(/^\w{20,}$/);
    const byCookie = await mm.request<{ id: string }>('GET', '/api/v4/users/me', { token: '', headers: { Cookie: session.cookieHeader } });
    expect(byCookie.body.id).toBe(user.id);
    const patch = { json: { nickname: 'patched' }, token: '', headers: { Cookie: session.cookieHeader, 'X-CSRF-Token': session.csrfToken } };
    const { body: patched } = await mm.request<{ nickname: string }>('PUT', '/api/v4/users/me/patch', patch);
    expect(patched.nickname).toBe('patched');
    await expect(mm.request('GET', '/api/v4/users/me', { token: '' })).rejects.toBeInstanceOf(MattermostApiError);
  });

  test('stop leaves no process, no database and no temp dir', async () => {
    const { pid, database, root } = mm;
    expect(isRunning(pid)).toBe(true);
    await mm.stop();
    expect(isRunning(pid)).toBe(false);
    expect(await databaseExists(database)).toBe(false);
    expect(existsSync(root)).toBe(false);
    await mm.stop(); // a second stop (afterAll's) is harmless
  }, 60000);
});
