/**
 * A Mattermost whose file store is an S3 bucket (FileSettings.DriverName = amazons3), on MinIO: backed
 * up incrementally (unchanged objects are not downloaded again), restored into another bucket
 * byte-identical, and restored into a local directory with config.json switched to the local driver.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { expectValidManifest } from '../src/repository/manifest-schema.testkit';
import { driverFor } from '../src/sources/drivers';
import { allOutput, requireBuild, runCli } from './support/cli';
import { createInstallation, SERVERS, uniqueName, type TestInstallation } from './support/installation';
import { dsnFor } from './support/round-trip';
import { startS3Server, type S3TestServer } from './support/s3';

let inst: TestInstallation;
let s3: S3TestServer;
let client: S3Client;
const restoredDb = uniqueName('mmbackup_it_s3store');
const target = { ...SERVERS.postgres, database: restoredDb };

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

async function bucketContents(bucket: string, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      out.set(o.Key!.slice(prefix.length), Buffer.from(await body.Body!.transformToByteArray()).toString('base64'));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Points a config.json at a bucket: the installation's own (bucket "mattermost"), or one beside it. */
async function configFor(bucket: string): Promise<string> {
  const config = JSON.parse(await fs.readFile(inst.configFile, 'utf8'));
  Object.assign(config.FileSettings, {
    DriverName: 'amazons3',
    AmazonS3Bucket: bucket,
    AmazonS3PathPrefix: 'mm',
    AmazonS3Endpoint: s3.endpoint.replace('http://', ''),
    AmazonS3SSL: false,
    AmazonS3Region: 'us-east-1',
    AmazonS3AccessKeyId: s3.accessKeyId,
    AmazonS3SecretAccessKey: s3.secretAccessKey,
  });
  const file = bucket === 'mattermost' ? inst.configFile : path.join(inst.root, `config-${bucket}`, 'config.json');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

function args(configFile: string): string[] {
  const a = [...inst.args];
  a[a.indexOf('--mattermost-config') + 1] = configFile;
  return a;
}

beforeAll(async () => {
  requireBuild();
  inst = await createInstallation('postgres');
  s3 = await startS3Server();
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const files = await listFiles(inst.dataDir);
  await s3.seed('mattermost', await Promise.all(files.map(async (f): Promise<[string, Buffer]> => [`mm/${f}`, await fs.readFile(path.join(inst.dataDir, f))])));
  await s3.bucket('mattermost-restored');
  expect((await runCli([...inst.args, 'init'])).code).toBe(0);
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  await driverFor(target).dropDatabase(target).catch(() => {});
  await inst?.cleanup();
});

test('backup of an S3 file store is incremental, and restores into another bucket byte-identical', async () => {
  const source = await configFor('mattermost');
  const first = await runCli([...args(source), '--json', 'backup']);
  expect(first.code).toBe(0);
  const snapshot = first.json().snapshot;
  expectValidManifest(snapshot);
  expect(snapshot.components.files.driver).toBe('amazons3');
  expect(snapshot.components.files.s3).toMatchObject({ bucket: 'mattermost', pathPrefix: 'mm' });

  const second = await runCli([...args(source), '--json', 'backup', '--only', 'files']);
  expect(second.code).toBe(0);
  expect(second.stderr).toMatch(/ 0 objects downloaded, \d+ unchanged/);
  expect(second.json().snapshot.totals.bytesWritten).toBe(0);

  const restore = await runCli([...args(await configFor('mattermost-restored')), '--json', 'restore', snapshot.id, '--only', 'files']);
  expect(restore.code).toBe(0);
  expect(restore.json().actions[0].target).toMatch(/^s3:\/\/mattermost-restored\/mm\//);
  expect(restore.json().check.filesMissing).toEqual([]);
  expect(await bucketContents('mattermost-restored', 'mm/')).toEqual(await bucketContents('mattermost', 'mm/'));
});

test('restore of an S3 file store onto a new server with a local directory switches the config to local', async () => {
  const snapshot = (await runCli([...inst.args, '--json', 'list'])).json()[1];
  const newInstall = path.join(inst.root, 'local-server');
  const restore = await runCli([...args(inst.configFile), '--json', 'restore', snapshot.id, '--db', dsnFor('postgres', target), '--config-dir', path.join(newInstall, 'config'), '--install-dir', newInstall]);
  expect(restore.code).toBe(0);
  expect(restore.json().check.filesMissing).toEqual([]);
  const config = JSON.parse(await fs.readFile(path.join(newInstall, 'config', 'config.json'), 'utf8'));
  expect(config.FileSettings.DriverName).toBe('local');
  expect(path.resolve(config.FileSettings.Directory)).toBe(path.join(newInstall, 'data'));
  const original = await listFiles(inst.dataDir);
  expect(await listFiles(path.join(newInstall, 'data'))).toEqual(original);
  for (const f of original) expect((await fs.readFile(path.join(newInstall, 'data', f))).equals(await fs.readFile(path.join(inst.dataDir, f)))).toBe(true);
});

test('a drill of an S3-store snapshot checks the referenced files; no S3 secret in any output', async () => {
  const full = (await runCli([...inst.args, '--json', 'list'])).json()[1];
  const drill = await runCli([...inst.args, '--json', 'verify', full.id, '--drill']);
  expect(drill.code).toBe(0);
  expect(drill.json().drill.check.filesReferenced).toBeGreaterThan(0);
  expect(drill.json().drill.check.filesMissing).toEqual([]);
  expect(allOutput.join('\n')).not.toContain(s3.secretAccessKey);
});
