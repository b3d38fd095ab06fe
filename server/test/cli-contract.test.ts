/**
 * The CLI contract admins' scripts rely on (DESIGN section 4): exit codes, --json carrying only JSON on
 * stdout, --dry-run changing nothing, and a live lock refusing a second writer.
 */
import * as os from 'node:os';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { requireBuild, runCli } from './support/cli';
import { createInstallation, PASSPHRASE, type TestInstallation } from './support/installation';
import { LocalDestination } from '../src/destinations/local';
import { Repository } from '../src/repository/repository';

let inst: TestInstallation;
let snapshotId: string;

beforeAll(async () => {
  requireBuild();
  inst = await createInstallation('postgres');
  expect((await runCli([...inst.args, 'init'])).code).toBe(0);
  const backup = await runCli([...inst.args, '--json', 'backup', '--tag', 'first']);
  snapshotId = backup.json().snapshot.id;
});
afterAll(() => inst?.cleanup());

test('no repository: exit 2 and says which option or variable to set', async () => {
  const result = await runCli(['list']);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/--repo.*MMBACKUP_REPO/);
});

test('an unknown option or command is bad usage: exit 2', async () => {
  expect((await runCli(['backup', '--no-such-option'])).code).toBe(2);
  expect((await runCli(['frobnicate'])).code).toBe(2);
});

test('with --json, stdout is exactly one JSON document, also on failure', async () => {
  const list = await runCli([...inst.args, '--json', 'list']);
  expect(list.json()).toEqual([expect.objectContaining({ id: snapshotId, tags: ['first'], components: ['db', 'config', 'files'] })]);
  const failed = await runCli([...inst.args, '--json', 'show', 'ffffffffffff']);
  expect(failed.code).toBe(2);
  expect(failed.json().error).toMatchObject({ code: 'SNAPSHOT_NOT_FOUND', exitCode: 2 });
});

test('environment variables work in place of options', async () => {
  const result = await runCli(['--json', 'list'], { MMBACKUP_REPO: inst.repo, MMBACKUP_PASSPHRASE: (await fs.readFile(inst.passphraseFile, 'utf8')).trim() });
  expect(result.code).toBe(0);
  expect(result.json()).toHaveLength(1);
});

test('restore --dry-run shows the plan and changes nothing', async () => {
  const target = path.join(inst.root, 'dry');
  const result = await runCli([...inst.args, '--json', 'restore', 'latest', '--dry-run', '--config-dir', path.join(target, 'config')]);
  expect(result.code).toBe(0);
  const plan = result.json();
  expect(plan.dryRun).toBe(true);
  expect(plan.actions.map((a: { component: string }) => a.component)).toEqual(['db', 'config', 'files', 'files', 'files']);
  expect(plan.actions[0].replaces).toBe(true); // the live database
  await expect(fs.access(target)).rejects.toThrow();
});

test('a live lock makes a second writer exit 3 naming the holder; unlock leaves a live lock alone', async () => {
  const now = new Date().toISOString();
  const lock = { host: os.hostname(), pid: process.pid, operation: 'backup', created: now, heartbeat: now };
  await fs.mkdir(path.join(inst.repo, 'locks'), { recursive: true });
  await fs.writeFile(path.join(inst.repo, 'locks', 'held'), JSON.stringify(lock));
  try {
    const result = await runCli([...inst.args, 'backup', '--only', 'config']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`pid ${process.pid}`);
    expect(result.stderr).toMatch(/mmbackup unlock/);
    await runCli([...inst.args, 'unlock']);
    await expect(fs.access(path.join(inst.repo, 'locks', 'held'))).resolves.toBeUndefined();
  } finally {
    await fs.rm(path.join(inst.repo, 'locks', 'held'), { force: true });
  }
});

test('init twice on one repository is refused without harm', async () => {
  const result = await runCli([...inst.args, 'init']);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/already exists/);
  expect((await runCli([...inst.args, 'list'])).code).toBe(0);
});

test('init --pack-size sets the target pack size the repository records; an unusable size is bad usage', async () => {
  const repo = path.join(inst.root, 'packed-repo');
  const args = ['--repo', repo, '--passphrase-file', inst.passphraseFile];
  const bad = await runCli([...args, 'init', '--pack-size', '0.5']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--pack-size 0\.5 is not a whole number of MiB from 1 to 64/);
  expect((await runCli([...args, 'init', '--pack-size', '2'])).code).toBe(0);
  const repository = await Repository.open(new LocalDestination(repo), { kind: 'passphrase', value: PASSPHRASE });
  expect(repository.config.packSize).toBe(2 * 1024 * 1024);
});

test('init without a key option generates a 0600 key file and says to keep it off the host', async () => {
  const repo = path.join(inst.root, 'keyed-repo');
  const keyFile = path.join(inst.root, 'new.key');
  const result = await runCli(['--repo', repo, '--key-file', keyFile, 'init']);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/OFF this host/);
  expect(((await fs.stat(keyFile)).mode & 0o777).toString(8)).toBe('600');
  expect((await runCli(['--repo', repo, '--key-file', keyFile, 'list'])).code).toBe(0);
});
