/**
 * Destinations and their connection test against real storage: local repositories in temp dirs, a
 * read-only file system (tmpfs remounted read-only: root writes anywhere else), MinIO for a missing and an
 * empty bucket, and a server that never answers. No answer may carry a credential.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearSecretsForTests, registerSecret } from '../common/redact';
import { LocalDestination } from '../destinations/local';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import { startS3Server, type S3TestServer } from '../../test/support/s3';
import { destinationsView, testDestinations } from './destinations';

const PASSPHRASE = 'destinations passphrase that must not leak';
let root: string;
let repo: Repository;
let s3: S3TestServer;
const answers: string[] = [];

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-destinations-'));
  repo = await Repository.init(new LocalDestination(path.join(root, 'primary')), passphraseSecret(PASSPHRASE));
  s3 = await startS3Server();
  registerSecret(PASSPHRASE);
});
afterAll(async () => {
  for (const answer of answers) {
    expect(answer).not.toContain(PASSPHRASE);
    expect(answer).not.toContain(s3.secretAccessKey);
  }
  clearSecretsForTests();
  await s3.stop();
  await fs.rm(root, { recursive: true, force: true });
});

async function test_(primary: Repository, offsite = '', options: Parameters<typeof testDestinations>[2] = {}) {
  const results = await testDestinations(primary, offsite, { env: s3.env(), ...options });
  answers.push(JSON.stringify(results));
  return results;
}

describe('GET destinations', () => {
  test('the primary and the off-site repository, redacted, and the key fingerprint', () => {
    const view = destinationsView(repo, s3.repoUrl('offsite', 'mm/prod'), { env: s3.env() });
    answers.push(JSON.stringify(view));
    expect(view).toEqual({
      destinations: [
        { role: 'primary', kind: 'local', location: path.join(root, 'primary') },
        { role: 'offsite', kind: 's3', location: `s3://offsite/mm/prod (${new URL(s3.endpoint).host})` },
      ],
      encryption: { keyFingerprint: repo.fingerprint },
    });
    expect(repo.fingerprint).toMatch(/^[0-9a-f]{4}(:[0-9a-f]{4}){5}$/);
  });

  test('no off-site repository: the primary only', () => {
    expect(destinationsView(repo, '').destinations).toHaveLength(1);
  });

  test('an off-site URL that cannot be parsed is shown without its credentials', () => {
    const view = destinationsView(repo, 's3://AKIAEXAMPLE:wJalrXUtnFEMIK7MDENG@bucket/prefix?secretKey=abc123secret');
    const text = JSON.stringify(view);
    expect(view.destinations[1]).toMatchObject({ role: 'offsite', kind: 's3' });
    expect(text).not.toContain('wJalrXUtnFEMIK7MDENG');
    expect(text).not.toContain('abc123secret');
  });
});

describe('POST destinations/test', () => {
  test('a healthy local repository: opened, probe written, read back and removed, with the time it took', async () => {
    const [result] = await test_(repo);
    expect(result).toEqual({ role: 'primary', location: repo.destination.location, ok: true, latencyMs: expect.any(Number), message: expect.stringMatching(/is reachable and writable: a test object was written, read back and removed$/), fix: '' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(await fs.readdir(path.join(repo.destination.location, 'preflight'))).toEqual([]);
  });

  test('an empty off-site location is fine: the first copy creates the repository there', async () => {
    const results = await test_(repo, path.join(root, 'offsite-empty'));
    expect(results.map((r) => [r.role, r.ok])).toEqual([['primary', true], ['offsite', true]]);
    expect(results[1].message).toMatch(/holds no repository yet: the first off-site copy creates it/);
  });

  test('an off-site location holding another repository fails: the bridge\'s key does not open it', async () => {
    const other = await Repository.init(new LocalDestination(path.join(root, 'other')), passphraseSecret('another passphrase'));
    const [, result] = await test_(repo, other.destination.location);
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/holds a repository that the bridge's key does not open/), fix: expect.stringMatching(/MMBACKUP_OFFSITE_REPO/) });
  });

  test('a primary repository that is gone: says so and how to fix it', async () => {
    const gone = await Repository.init(new LocalDestination(path.join(root, 'gone')), passphraseSecret(PASSPHRASE));
    await fs.rm(gone.destination.location, { recursive: true });
    const [result] = await test_(gone);
    expect(result).toMatchObject({ ok: false, message: `there is no repository at ${gone.destination.location}`, fix: expect.stringMatching(/MMBACKUP_REPO.*mmbackup init/) });
  });

  test('a directory that cannot be written (a read-only file system)', async () => {
    const mountPoint = path.join(root, 'readonly');
    await fs.mkdir(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
    try {
      const readOnly = await Repository.init(new LocalDestination(path.join(mountPoint, 'repo')), passphraseSecret(PASSPHRASE));
      execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
      const [result] = await test_(readOnly);
      expect(result).toMatchObject({
        role: 'primary', ok: false,
        message: `cannot write to the repository ${readOnly.destination.location} (EROFS)`,
        fix: expect.stringMatching(/mounted read-write/),
      });
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });

  test('S3: a missing bucket names the bucket and says to create it; an empty bucket is fine', async () => {
    const [, missing] = await test_(repo, s3.repoUrl('no-such-bucket', 'mm'));
    expect(missing).toMatchObject({ ok: false, location: expect.stringMatching(/^s3:\/\/no-such-bucket\/mm \(127\.0\.0\.1:\d+\)$/), message: expect.stringMatching(/the bucket "no-such-bucket" does not exist/), fix: expect.stringMatching(/create the bucket "no-such-bucket"/) });
    await s3.bucket('empty-offsite');
    const [, empty] = await test_(repo, s3.repoUrl('empty-offsite', 'mm'));
    expect(empty).toMatchObject({ ok: true, message: expect.stringMatching(/holds no repository yet/) });
  });

  test('S3 with wrong credentials: refused, with the variables to check, and the key never shown', async () => {
    await s3.bucket('creds');
    const [, refused] = await test_(repo, s3.repoUrl('creds'), { env: { MMBACKUP_S3_ACCESS_KEY_ID: s3.accessKeyId, MMBACKUP_S3_SECRET_ACCESS_KEY: 'wrong-secret-key-value-123' } });
    expect(refused).toMatchObject({ ok: false, fix: expect.stringMatching(/MMBACKUP_S3_ACCESS_KEY_ID/) });
    expect(JSON.stringify(refused)).not.toContain('wrong-secret-key-value-123');
  });

  test('a store that never answers fails after the timeout, saying what to check', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket)); // accepts connections and says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const [, result] = await test_(repo, `s3://mute/mm?endpoint=http%3A%2F%2F127.0.0.1%3A${port}&region=us-east-1`, { timeoutMs: 300 });
      expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/did not answer within 0 s|did not answer within/), fix: expect.stringMatching(/reachable from this host/) });
      expect(result.latencyMs).toBeGreaterThanOrEqual(300);
    } finally {
      silent.close();
      for (const socket of sockets) socket.destroy();
    }
  });

  test('an off-site URL that cannot be parsed: the parse error, without the credentials in it', async () => {
    const [, result] = await test_(repo, 's3://AKIAEXAMPLE:wJalrXUtnFEMIK7MDENG@bucket/prefix');
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/holds credentials or a port/), fix: expect.stringMatching(/MMBACKUP_S3_ACCESS_KEY_ID/) });
    expect(JSON.stringify(result)).not.toContain('wJalrXUtnFEMIK7MDENG');
  });
});
