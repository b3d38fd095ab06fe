/**
 * Copies between a local repository and an S3 repository on s3rver, both ways: local → S3 (the off-site
 * copy), then S3 → a new local repository (recovering when the local disk is gone), each verified by
 * reading every object, and a resumed copy moving nothing twice.
 */
import * as path from 'node:path';
import { allOutput, requireBuild, runCli } from './support/cli';
import { createInstallation, PASSPHRASE, type TestInstallation } from './support/installation';
import { startS3Server, type S3TestServer } from './support/s3';

let inst: TestInstallation;
let s3: S3TestServer;
let env: Record<string, string>;

function withRepo(repo: string): string[] {
  const args = [...inst.args];
  args[args.indexOf('--repo') + 1] = repo;
  return args;
}

beforeAll(async () => {
  requireBuild();
  inst = await createInstallation('postgres');
  s3 = await startS3Server();
  await s3.bucket('offsite');
  env = s3.env();
  expect((await runCli([...inst.args, 'init'])).code).toBe(0);
  expect((await runCli([...inst.args, 'backup'])).code).toBe(0);
});
afterAll(async () => {
  await s3?.stop();
  await inst?.cleanup();
});

test('local → S3 → local: every hop copies the snapshot whole and it verifies', async () => {
  const remote = s3.repoUrl('offsite', 'mattermost');
  const up = await runCli([...inst.args, '--json', 'copy', '--to', remote], env);
  expect(up.code).toBe(0);
  expect(up.json().snapshotsCopied).toHaveLength(1);
  expect((await runCli([...withRepo(remote), 'verify', '--read-data'], env)).code).toBe(0);

  const again = await runCli([...inst.args, '--json', 'copy', '--to', remote], env);
  expect(again.json().objectsCopied).toBe(0);

  const back = path.join(inst.root, 'recovered-repo');
  const down = await runCli([...withRepo(remote), '--json', 'copy', '--to', back], env);
  expect(down.code).toBe(0);
  expect((await runCli([...withRepo(back), 'verify', '--read-data'])).code).toBe(0);
  const restore = await runCli([...withRepo(back), '--json', 'restore', 'latest', '--dry-run']);
  expect(restore.code).toBe(0);
  expect(allOutput.join('\n')).not.toContain(s3.secretAccessKey);
  expect(allOutput.join('\n')).not.toContain(PASSPHRASE);
});
