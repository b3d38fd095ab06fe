/**
 * The API over HTTP as the plugin drives it: the plugin secret (401 BRIDGE_SECRET_MISMATCH, 503
 * BRIDGE_NO_SECRET), the user headers reaching the core, the routes, error mapping, /backup commands, the
 * open endpoints, a unix socket, and that no answer carries a secret.
 */
import * as http from 'node:http';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL } from '@backup-dr/wire';
import { MmBackupError } from '../common/errors';
import { registerSecret } from '../common/redact';
import { startHarness, TEST_SECRET, type Harness } from './api.testkit';
import { createApiServer, listenApiServer } from './server';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  for (const body of h.bodies) for (const secret of [h.secret, h.metricsToken]) expect(body).not.toContain(secret);
  await h.stop();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('the plugin secret', () => {
  it('answers 401 BRIDGE_SECRET_MISMATCH without the secret header, or with a wrong one', async () => {
    const none = await h.fetchText('/api/v1/status');
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text)).toMatchObject({ error: 'BRIDGE_SECRET_MISMATCH', fix: expect.stringContaining('BridgeSecret') });
    const wrong = await h.fetchText('/api/v1/status', { headers: { [PROTOCOL.headers.secret]: `${TEST_SECRET}x` } });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text).error).toBe(PROTOCOL.errors.secretMismatch);
    // A Mattermost session or token is not a way in any more: only the plugin is.
    expect((await h.fetchText('/api/v1/status', { headers: { ...bearer(TEST_SECRET), Cookie: 'MMAUTHTOKEN=abc' } })).status).toBe(401);
  });

  it('answers 503 BRIDGE_NO_SECRET while the bridge has no secret, saying how to get one', async () => {
    const bare = await startHarness({ secretValue: undefined });
    try {
      const res = await bare.fetchText('/api/v1/status', { headers: bare.plugin });
      expect(res.status).toBe(503);
      expect(JSON.parse(res.text)).toMatchObject({ error: PROTOCOL.errors.noSecret, fix: expect.stringMatching(/enable the Backup & DR plugin.*MMBACKUP_BRIDGE_SECRET/) });
    } finally {
      await bare.stop();
    }
  });

  it('lets the plugin in, and hands the user it acts for to the core', async () => {
    const res = await h.fetchText('/api/v1/status', { headers: h.plugin });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ running: null, repository: '/var/backups/mattermost' });
    const started = await h.fetchText('/api/v1/backups', { method: 'POST', headers: h.plugin });
    expect(started.status).toBe(202);
    expect(h.core.requesters).toEqual([{ userId: 'u-alice-0000000000000000000', username: 'alice' }]);
  });
});

describe('routes', () => {
  const admin = () => h.plugin;

  it('serves no mount prefix any more: /backup-dr/ is unknown', async () => {
    const plain = await h.fetchText('/api/v1/backups', { headers: admin() });
    expect(JSON.parse(plain.text)).toEqual([expect.objectContaining({ id: 'abc123' })]);
    expect((await h.fetchText('/backup-dr/api/v1/backups', { headers: admin() })).status).toBe(404);
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
      const status = await leaky.fetchText('/api/v1/status', { headers: leaky.plugin });
      expect(status.status).toBe(500);
      expect(JSON.parse(status.text).message).toBe('passphrase *** does not open it');
      const list = await leaky.fetchText('/api/v1/backups', { headers: leaky.plugin });
      expect(JSON.parse(list.text)).toMatchObject({ error: 'INTERNAL', message: 'the bridge failed unexpectedly' });
      expect(logged.join('\n')).toMatch(/socket hang up/);
      expect([...leaky.bodies, ...logged].join('\n')).not.toContain(passphrase);
    } finally {
      await leaky.stop();
    }
  });
});

describe('endpoints without the plugin secret', () => {
  it('serves /healthz to anyone', async () => {
    const res = await h.fetchText('/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ status: 'ok' });
  });

  it('requires the metrics token on /metrics when one is set', async () => {
    expect((await h.fetchText('/metrics')).status).toBe(401);
    expect((await h.fetchText('/metrics', { headers: bearer('wrong-token-123') })).status).toBe(401);
    expect((await h.fetchText('/metrics', { headers: bearer(h.secret) })).status).toBe(401);
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

  it('refuses /backup commands and the event stream without the secret', async () => {
    expect((await h.fetchText('/api/v1/commands', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await h.fetchText('/api/v1/events')).status).toBe(401);
    expect(h.core.commands).toEqual([]);
  });
});

describe('POST commands', () => {
  const post = (body: unknown) => h.fetchText('/api/v1/commands', { method: 'POST', headers: { ...h.plugin, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('passes a checked /backup invocation to the core and answers its text', async () => {
    const invocation = { userId: 'u1', username: 'alice', channelId: 'c1', teamId: 't1', rootId: 'r1', text: 'now db' };
    const res = await post(invocation);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ text: 'Backup started for @alice' });
    expect(h.core.commands).toEqual([invocation]);
    await post({ userId: 'u1', username: 'alice', channelId: 'c1', teamId: 't1' });
    expect(h.core.commands[1]).toEqual({ userId: 'u1', username: 'alice', channelId: 'c1', teamId: 't1', text: '' });
  });

  it('refuses an invocation without user or channel (400)', async () => {
    const res = await post({ username: 'alice', channelId: 'c1', text: 'status' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'BAD_COMMAND', message: '"userId" must be a non-empty string' });
    expect((await post({ userId: 'u1', username: 'alice', text: 'status' })).status).toBe(400);
    expect(h.core.commands).toEqual([]);
  });
});

describe('listening on a unix socket', () => {
  it('serves the API on a 0660 socket, replacing a stale one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mmbackup-sock-'));
    const socket = join(dir, 'bridge.sock');
    const start = async () => {
      const server = createApiServer({ core: h.core, secret: () => TEST_SECRET, log: () => undefined });
      return { server, ...(await listenApiServer(server, { socket })) };
    };
    const first = await start();
    expect(first.url).toBe(`unix:${socket}`);
    expect((await stat(socket)).mode & 0o777).toBe(0o660);
    const answer = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = http.request({ socketPath: socket, path: '/api/v1/status', headers: h.plugin }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).repository).toBe('/var/backups/mattermost');
    // A crash leaves the socket file behind; the next start must not fail on it.
    first.server.close();
    await new Promise((r) => first.server.once('close', r));
    const { writeFile } = await import('node:fs/promises');
    const second = await start().catch((err) => err as Error);
    expect(second).not.toBeInstanceOf(Error);
    if (!(second instanceof Error)) await new Promise((r) => second.server.close(r));
    await writeFile(socket, 'not a socket');
    await expect(start()).rejects.toThrow(/exists and is not a socket/);
    await rm(dir, { recursive: true, force: true });
  });
});
