/**
 * The launchers of the real servers other tests run against work: the pinned Mattermost server
 * (build/ensure-mattermost.sh) and MinIO (build/ensure-minio.sh). A server that is not built fails these tests
 * with the command that builds it.
 */
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { MINIO_START_TIMEOUT_MS, type MinioServer, startMinio } from './support/minio';
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

/** The smallest plugin Mattermost accepts: a manifest and a webapp bundle, as a .tar.gz. */
async function webappOnlyPlugin(id: string): Promise<{ dir: string; file: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-plugin-'));
  await fs.mkdir(path.join(dir, id, 'webapp'), { recursive: true });
  const manifest = { id, name: 'Launcher check', version: '0.0.1', min_server_version: '10.0.0', webapp: { bundle_path: 'webapp/main.js' } };
  await fs.writeFile(path.join(dir, id, 'plugin.json'), JSON.stringify(manifest));
  await fs.writeFile(path.join(dir, id, 'webapp/main.js'), `window.registerPlugin(${JSON.stringify(id)}, { initialize() {} });\n`);
  const file = path.join(dir, `${id}.tar.gz`);
  await promisify(execFile)('tar', ['-czf', file, '-C', dir, id]);
  return { dir, file };
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

  test('takes a plugin upload and runs the plugin once enabled', async () => {
    const bundle = await webappOnlyPlugin('com.example.launcher-check');
    try {
      const manifest = await mm.uploadPlugin(bundle.file);
      expect(manifest).toMatchObject({ id: 'com.example.launcher-check', version: '0.0.1' });
      await mm.enablePlugin(manifest.id);
      const { body: statuses } = await mm.request<Array<{ plugin_id: string; state: number }>>('GET', '/api/v4/plugins/statuses');
      expect(statuses.find((s) => s.plugin_id === manifest.id)).toMatchObject({ state: 2 }); // 2: PluginStateRunning
      expect(existsSync(path.join(mm.root, 'client-plugins', manifest.id))).toBe(true);
    } finally {
      await fs.rm(bundle.dir, { recursive: true, force: true });
    }
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

describe('a real MinIO server', () => {
  let minio: MinioServer;
  let s3: S3Client;

  beforeAll(async () => {
    const started = Date.now();
    minio = await startMinio();
    s3 = minio.client();
    console.log(`MinIO answered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, MINIO_START_TIMEOUT_MS + 30000);

  afterAll(async () => {
    s3?.destroy();
    await minio?.stop();
  }, 30000);

  test('serves S3 on a loopback port and refuses a request signed with the wrong secret', async () => {
    expect(minio.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await minio.createBucket('plain');
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toContain('plain');
    const forged = new S3Client({ region: minio.region, endpoint: minio.endpoint, forcePathStyle: true, credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: 'not-the-secret' } });
    await expect(forged.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    forged.destroy();
  });

  test('a bucket with Object Lock takes a retention and refuses to delete the locked version', async () => {
    const Bucket = await minio.createBucket('locked', { objectLock: true });
    const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket }));
    expect(lock.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    const { VersionId } = await s3.send(new PutObjectCommand({ Bucket, Key: 'snapshots/one', Body: 'kept for a day' }));
    expect(VersionId).toBeTruthy();
    const until = new Date(Date.now() + 24 * 3600 * 1000);
    await s3.send(new PutObjectRetentionCommand({ Bucket, Key: 'snapshots/one', VersionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } }));
    const { Retention } = await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'snapshots/one', VersionId }));
    expect(Retention?.Mode).toBe('COMPLIANCE');
    expect(Math.abs(Retention!.RetainUntilDate!.getTime() - until.getTime())).toBeLessThan(1000);
    // MinIO refuses with 400 InvalidRequest ("Object is WORM protected..."), where AWS answers 403 AccessDenied:
    // code that recognises a locked object must accept both.
    const refused = s3.send(new DeleteObjectCommand({ Bucket, Key: 'snapshots/one', VersionId }));
    await expect(refused).rejects.toMatchObject({ name: 'InvalidRequest', message: expect.stringMatching(/WORM protected/), $metadata: { httpStatusCode: 400 } });
    const kept = await s3.send(new GetObjectCommand({ Bucket, Key: 'snapshots/one', VersionId }));
    expect(await kept.Body!.transformToString()).toBe('kept for a day');
  });

  test('a versioned bucket keeps every version of a key', async () => {
    const Bucket = await minio.createBucket('versioned', { versioning: true });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    const first = await s3.send(new PutObjectCommand({ Bucket, Key: 'index', Body: 'first' }));
    const second = await s3.send(new PutObjectCommand({ Bucket, Key: 'index', Body: 'second' }));
    expect(first.VersionId).not.toBe(second.VersionId);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'index' })); // a delete marker; both versions stay
    const { Versions, DeleteMarkers } = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'index' }));
    expect(Versions?.map((v) => v.VersionId).sort()).toEqual([first.VersionId, second.VersionId].sort());
    expect(DeleteMarkers).toHaveLength(1);
    const old = await s3.send(new GetObjectCommand({ Bucket, Key: 'index', VersionId: first.VersionId }));
    expect(await old.Body!.transformToString()).toBe('first');
  });

  test('stop leaves no process and no data dir', async () => {
    const { pid, dataDir } = minio;
    expect(isRunning(pid)).toBe(true);
    await minio.stop();
    expect(isRunning(pid)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
    await minio.stop();
  }, 30000);
});
