/**
 * An S3 repository end to end through the built CLI, as an admin would use it: init, backup, list,
 * verify --read-data and restore onto new targets, against MinIO on 127.0.0.1 with the credentials in
 * MMBACKUP_S3_*; then the two classic mistakes (a wrong secret, a missing bucket) failing with exit 2 and
 * a message that names the bucket and the fix. The secret key never appears in any output.
 */
import * as path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { compareDatabases, compareTrees } from '../src/demo/compare';
import { driverFor } from '../src/sources/drivers';
import { allOutput, requireBuild, runCli } from './support/cli';
import { createInstallation, DB_PASSWORD, PASSPHRASE, SERVERS, uniqueName, type TestInstallation } from './support/installation';
import { dsnFor } from './support/round-trip';
import { startS3Server, type S3TestServer } from './support/s3';

let s3: S3TestServer;
let inst: TestInstallation;
let args: string[];
let snapshotId: string;
const WRONG_SECRET = 'wrong-secret-that-must-not-leak-either';
const restoredDb = uniqueName('mmbackup_it_s3_restored');
const target = { ...SERVERS.postgres, database: restoredDb };

beforeAll(async () => {
  requireBuild();
  s3 = await startS3Server();
  await s3.bucket('mattermost-backups');
  inst = await createInstallation('postgres', { posts: 150 });
  // The installation's own options, with the repository moved to S3.
  args = inst.args.map((a) => (a === inst.repo ? s3.repoUrl('mattermost-backups', 'prod/chat') : a));
});
afterAll(async () => {
  await driverFor(target).dropDatabase(target).catch(() => {});
  await inst?.cleanup();
  await s3?.stop();
});

test('init, backup and list on an S3 repository', async () => {
  const init = await runCli([...args, '--json', 'init'], s3.env());
  expect(init.code).toBe(0);
  expect(init.json().location).toBe(`s3://mattermost-backups/prod/chat (${new URL(s3.endpoint).host})`);

  const backup = await runCli([...args, '--json', 'backup'], s3.env());
  expect(backup.code).toBe(0);
  snapshotId = backup.json().snapshot.id;
  expect(backup.json().snapshot.components.db.tables).toEqual(inst.db.tables);

  const list = await runCli([...args, '--json', 'list'], s3.env());
  expect(list.code).toBe(0);
  expect(list.json().map((s: { id: string }) => s.id)).toEqual([snapshotId]);

  // Everything is under the prefix, in the documented layout.
  const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: 'mattermost-backups', ContinuationToken }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  expect(keys.every((k) => k.startsWith('prod/chat/'))).toBe(true);
  expect(keys).toContain('prod/chat/config');
  expect(keys).toContain(`prod/chat/snapshots/${snapshotId}`);
  expect(keys.filter((k) => k.startsWith('prod/chat/locks/'))).toEqual([]);
});

test('verify --read-data reads back every object', async () => {
  const verify = await runCli([...args, '--json', 'verify', snapshotId, '--read-data'], s3.env());
  expect(verify.code).toBe(0);
  expect(verify.json().problems).toEqual([]);
});

test('restore from S3 onto new targets gives identical data', async () => {
  const newInstall = path.join(inst.root, 'restored-from-s3');
  const restore = await runCli([...args, '--json', 'restore', snapshotId, '--db', dsnFor('postgres', target), '--config-dir', path.join(newInstall, 'config'), '--install-dir', newInstall], s3.env());
  expect(restore.code).toBe(0);
  expect(restore.json().check.rowMismatches).toEqual([]);
  expect(await compareDatabases('postgres', inst.connection, { ...target, password: target.password || undefined })).toEqual([]);
  for (const sub of ['data', 'plugins', 'client/plugins']) expect(await compareTrees(path.join(inst.installDir, sub), path.join(newInstall, sub))).toEqual([]);
});

test('a wrong secret key: exit 2, the bucket and the fix named', async () => {
  const result = await runCli([...args, 'list'], { ...s3.env(), MMBACKUP_S3_SECRET_ACCESS_KEY: WRONG_SECRET });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/repository-s3: .*"mattermost-backups"/);
  expect(result.stderr).toContain('MMBACKUP_S3_ACCESS_KEY_ID');
  expect(result.stderr).not.toMatch(/retrying/);
});

test('a missing bucket: exit 2, with the advice to create it', async () => {
  const missing = args.map((a) => (a.startsWith('s3://') ? s3.repoUrl('no-such-bucket', 'prod') : a));
  const result = await runCli([...missing, '--json', 'init'], s3.env());
  expect(result.code).toBe(2);
  expect(result.json().error).toMatchObject({ step: 'repository-s3', code: 'S3_NO_SUCH_BUCKET' });
  expect(result.json().error.fix).toContain('create the bucket "no-such-bucket"');
});

test('no secret appeared in any output', () => {
  const everything = allOutput.join('\n');
  expect(everything).not.toContain(s3.secretAccessKey);
  expect(everything).not.toContain(WRONG_SECRET);
  expect(everything).not.toContain(PASSPHRASE);
  expect(everything).not.toContain(DB_PASSWORD);
});
