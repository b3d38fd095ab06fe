/**
 * prune through the CLI, against a real backup of a Mattermost-shaped installation on the real
 * PostgreSQL: the dry run shows the verdicts and changes nothing, the real run leaves one snapshot that
 * still verifies with --read-data.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { allOutput, requireBuild, runCli } from './support/cli';
import { createInstallation, DB_PASSWORD, PASSPHRASE, type TestInstallation } from './support/installation';

let inst: TestInstallation;

async function snapshotIds(): Promise<string[]> {
  const list = await runCli([...inst.args, '--json', 'list']);
  expect(list.code).toBe(0);
  return list.json().map((s: { id: string }) => s.id);
}

async function repositoryFiles(dir = inst.repo): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

beforeAll(async () => {
  requireBuild();
  inst = await createInstallation('postgres');
  expect((await runCli([...inst.args, 'init'])).code).toBe(0);
});
afterAll(() => inst?.cleanup());

test('two backups, prune --keep-last 1 (dry run, then for real): one snapshot left, and it verifies', async () => {
  for (let i = 0; i < 2; i++) expect((await runCli([...inst.args, 'backup'])).code).toBe(0);
  const [newest, older] = await snapshotIds();
  expect(older).toBeDefined();

  const filesBefore = await repositoryFiles();
  const dry = await runCli([...inst.args, '--json', 'prune', '--keep-last', '1', '--dry-run']);
  expect(dry.code).toBe(0);
  const plan = dry.json();
  expect(plan.dryRun).toBe(true);
  expect(plan.kept.map((k: { id: string }) => k.id)).toEqual([newest]);
  expect(plan.kept[0].reasons).toEqual(['last 1 snapshot']);
  expect(plan.removed).toEqual([expect.objectContaining({ id: older, reason: 'no rule keeps it: not among the last 1' })]);
  expect(await repositoryFiles()).toEqual(filesBefore);
  expect(await snapshotIds()).toEqual([newest, older]);

  const pruned = await runCli([...inst.args, 'prune', '--keep-last', '1']);
  expect(pruned.code).toBe(0);
  expect(pruned.stdout).toMatch(new RegExp(`${newest}\\s+\\S+\\s+KEEP\\s+last 1 snapshot`));
  expect(pruned.stdout).toMatch(new RegExp(`${older}\\s+\\S+\\s+REMOVE\\s+no rule keeps it`));
  expect(pruned.stdout).toMatch(/objects reclaimed/);

  const verify = await runCli([...inst.args, 'verify', '--read-data']);
  expect(verify.code).toBe(0);
  expect(await snapshotIds()).toEqual([newest]);
  expect(await repositoryFiles(path.join(inst.repo, 'verifications'))).toEqual([newest]);
});

test('a bad retention value is exit code 2 naming the option', async () => {
  const result = await runCli([...inst.args, 'prune', '--keep-daily', 'seven']);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/--keep-daily "seven".*\n.*fix: for example --keep-daily 7/);
});

afterAll(() => {
  for (const text of allOutput) {
    expect(text).not.toContain(DB_PASSWORD);
    expect(text).not.toContain(PASSPHRASE);
  }
});
