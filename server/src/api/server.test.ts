/**
 * The API over HTTP: who gets in (401/403/200 by Bearer, cookie and CSRF, against the Mattermost test server),
 * the routes, error mapping, the open endpoints, and that no answer carries a secret.
 */
import { MmBackupError } from '../common/errors';
import { registerSecret } from '../common/redact';
import { sessionLookups, startHarness, type Harness } from './api.testkit';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  const secrets = [h.adminToken, h.userToken, h.adminPat, h.metricsToken];
  for (const body of h.bodies) for (const secret of secrets) expect(body).not.toContain(secret);
  expect(h.mm.problems).toEqual([]);
  await h.stop();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const cookie = (token: string, csrf?: string) => ({ Cookie: `MMAUTHTOKEN=${token}${csrf ? `; MMCSRF=${csrf}` : ''}` });

describe('authentication', () => {
  it('answers 401 without a token and with an invalid one', async () => {
    const none = await h.fetchText('/api/v1/status');
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text).error).toBe('UNAUTHENTICATED');
    expect((await h.fetchText('/api/v1/status', { headers: bearer('not-a-real-token-xyz') })).status).toBe(401);
    expect((await h.fetchText('/api/v1/status', { headers: cookie('not-a-real-token-xyz') })).status).toBe(401);
    expect((await h.fetchText('/api/v1/status', { headers: { Authorization: 'Basic abc' } })).status).toBe(401);
  });

  it('answers 403 to a valid non-admin session', async () => {
    const res = await h.fetchText('/api/v1/status', { headers: bearer(h.userToken) });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'FORBIDDEN', message: 'bob is not a system admin' });
  });

  it('lets an admin in by Bearer session, personal access token, and cookie', async () => {
    for (const headers of [bearer(h.adminToken), bearer(h.adminPat), cookie(h.adminToken)]) {
      const res = await h.fetchText('/api/v1/status', { headers });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({ running: null, repository: '/var/backups/mattermost' });
    }
  });

  it('refuses a state-changing cookie request without a matching X-CSRF-Token, and accepts it with one', async () => {
    const post = (headers: Record<string, string>) => h.fetchText('/api/v1/jobs/current/cancel', { method: 'POST', headers });
    expect((await post(cookie(h.adminToken))).status).toBe(403);
    expect((await post({ ...cookie(h.adminToken, 'csrf-value-1'), 'X-CSRF-Token': 'csrf-value-2' })).status).toBe(403);
    expect((await post({ ...cookie(h.adminToken), 'X-CSRF-Token': 'csrf-value-1' })).status).toBe(403);
    const ok = await post({ ...cookie(h.adminToken, 'csrf-value-1'), 'X-CSRF-Token': 'csrf-value-1' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ cancelled: false });
    expect((await post(bearer(h.adminToken))).status).toBe(200); // a Bearer token is never sent by the browser on its own
  });

  it('asks Mattermost once per token within the cache time', async () => {
    await h.fetchText('/api/v1/status', { headers: bearer(h.adminToken) });
    await h.fetchText('/api/v1/backups', { headers: bearer(h.adminToken) });
    await h.fetchText('/api/v1/settings', { headers: cookie(h.adminToken) });
    expect(sessionLookups(h.mm)).toBe(1);
    await h.fetchText('/api/v1/status', { headers: bearer(h.adminPat) });
    expect(sessionLookups(h.mm)).toBe(2);
  });

  it('does not keep trusting a token Mattermost refused', async () => {
    const token = h.mm.state.addToken([...h.mm.state.users.values()].find((u) => u.username === 'alice')!.id);
    h.mm.state.revokeToken(token);
    expect((await h.fetchText('/api/v1/status', { headers: bearer(token) })).status).toBe(401);
    expect((await h.fetchText('/api/v1/status', { headers: bearer(token) })).status).toBe(401);
    expect(sessionLookups(h.mm)).toBe(2);
  });
});

describe('routes', () => {
  const admin = () => bearer(h.adminToken);

  it('serves with and without the proxy mount path', async () => {
    expect((await h.fetchText('/backup-dr/api/v1/backups', { headers: admin() })).status).toBe(200);
    const plain = await h.fetchText('/api/v1/backups', { headers: admin() });
    expect(JSON.parse(plain.text)).toEqual([expect.objectContaining({ id: 'abc123' })]);
    expect((await h.fetchText('/backup-dr/healthz')).status).toBe(200);
  });

  it('starts a backup (202 with the job id), then answers BUSY with 409', async () => {
    const headers = { ...admin(), 'Content-Type': 'application/json' };
    const first = await h.fetchText('/api/v1/backups', { method: 'POST', headers, body: JSON.stringify({ only: ['db', 'config'] }) });
    expect(first.status).toBe(202);
    const { jobId } = JSON.parse(first.text);
    expect(h.core.backupsStarted).toEqual([['db', 'config']]);
    const status = JSON.parse((await h.fetchText('/api/v1/status', { headers: admin() })).text);
    expect(status.running).toMatchObject({ id: jobId, kind: 'backup', step: 'dump-db' });
    const verify = await h.fetchText('/api/v1/backups/abc123/verify', { method: 'POST', headers: admin() });
    expect(verify.status).toBe(409);
    const second = await h.fetchText('/api/v1/backups', { method: 'POST', headers: admin() });
    expect(second.status).toBe(409);
    expect(JSON.parse(second.text)).toMatchObject({ error: 'BUSY', fix: 'wait for it to finish, or cancel it' });
    const cancel = await h.fetchText('/api/v1/jobs/current/cancel', { method: 'POST', headers: admin() });
    expect(JSON.parse(cancel.text)).toEqual({ cancelled: true });
    await new Promise((r) => setImmediate(r));
    const verifyNow = await h.fetchText('/api/v1/backups/abc123/verify', { method: 'POST', headers: admin() });
    expect(verifyNow.status).toBe(202);
    expect(JSON.parse(verifyNow.text).jobId).toMatch(/^verify-/);
  });

  it('rejects bad input with 400, 413 and 415', async () => {
    const post = (body: string, type = 'application/json') =>
      h.fetchText('/api/v1/backups', { method: 'POST', headers: { ...admin(), 'Content-Type': type }, body });
    expect((await post('{"only": ["db", "everything"]}')).status).toBe(400);
    expect((await post('{"only": []}')).status).toBe(400);
    expect((await post('{not json')).status).toBe(400);
    expect((await post('{}', 'text/plain')).status).toBe(415);
    expect((await post(JSON.stringify({ only: ['db'], pad: 'x'.repeat(70_000) }))).status).toBe(413);
    expect((await h.fetchText('/api/v1/backups/..%2Fkeys', { headers: admin() })).status).toBe(400);
    expect(h.core.backupsStarted).toEqual([]);
  });

  it('maps a missing snapshot to 404 and unknown paths and methods to 404 and 405', async () => {
    const missing = await h.fetchText('/api/v1/backups/deadbeef', { headers: admin() });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toEqual({ error: 'SNAPSHOT_NOT_FOUND', message: 'no snapshot deadbeef', fix: 'see mmbackup list' });
    expect((await h.fetchText('/api/v1/nothing', { headers: admin() })).status).toBe(404);
    const wrongMethod = await h.fetchText('/api/v1/status', { method: 'DELETE', headers: admin() });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });

  it('returns settings with the env-locked keys', async () => {
    const res = await h.fetchText('/api/v1/settings', { headers: admin() });
    expect(JSON.parse(res.text)).toMatchObject({ locked: ['BackupSchedule'], effective: { S3SecretKey: { set: true } } });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('redacts a registered secret a core failure carries, and hides unexpected errors behind a generic message', async () => {
    const passphrase = 'correct-horse-battery-staple';
    registerSecret(passphrase);
    const logged: string[] = [];
    const leaky = await startHarness({ log: (line) => logged.push(line) });
    try {
      leaky.core.status = async () => {
        throw new MmBackupError({ step: 'open-repository', code: 'WRONG_KEY', message: `passphrase ${passphrase} does not open it` });
      };
      leaky.core.listBackups = async () => {
        throw new Error(`socket hang up talking to s3://AKIA:${passphrase}@minio`);
      };
      const status = await leaky.fetchText('/api/v1/status', { headers: bearer(leaky.adminToken) });
      expect(status.status).toBe(500);
      expect(JSON.parse(status.text).message).toBe('passphrase *** does not open it');
      const list = await leaky.fetchText('/api/v1/backups', { headers: bearer(leaky.adminToken) });
      expect(JSON.parse(list.text)).toMatchObject({ error: 'INTERNAL', message: 'the bridge failed unexpectedly' });
      expect(logged.join('\n')).toMatch(/socket hang up/);
      expect([...leaky.bodies, ...logged].join('\n')).not.toContain(passphrase);
      expect(leaky.mm.problems).toEqual([]);
    } finally {
      await leaky.stop();
    }
  });
});

describe('endpoints without a Mattermost session', () => {
  it('serves /healthz to anyone', async () => {
    const res = await h.fetchText('/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ status: 'ok' });
  });

  it('requires the metrics token on /metrics when one is set', async () => {
    expect((await h.fetchText('/metrics')).status).toBe(401);
    expect((await h.fetchText('/metrics', { headers: bearer('wrong-token-123') })).status).toBe(401);
    expect((await h.fetchText('/metrics', { headers: bearer(h.adminToken) })).status).toBe(401);
    const ok = await h.fetchText('/metrics', { headers: bearer(h.metricsToken) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.text).toContain('mmbackup_backup_attempt_total 3');
  });

  it('serves /metrics openly when no metrics token is configured', async () => {
    const open = await startHarness({ metricsToken: undefined });
    try {
      expect((await open.fetchText('/metrics')).status).toBe(200);
    } finally {
      await open.stop();
    }
  });

  it('passes the slash command form to the core without a session, and requires a form body', async () => {
    const form = 'token=cmdtoken123&user_id=u1&command=%2Fbackup&text=status';
    const res = await h.fetchText('/backup-dr/api/v1/slash', {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ response_type: 'ephemeral', text: 'Backup started' });
    expect(h.core.slashBodies).toEqual([form]);
    expect(sessionLookups(h.mm)).toBe(0);
    const json = await h.fetchText('/api/v1/slash', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
  });
});
