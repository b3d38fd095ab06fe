/**
 * mmbackup copy against a real backup of a PostgreSQL-backed installation: the twin repository lists,
 * verifies and restores like the original, and a later copy carries only what is new.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { compareTrees } from '../src/demo/compare';
import { driverFor } from '../src/sources/drivers';
import { allOutput, requireBuild, runCli } from './support/cli';
import { createInstallation, DB_PASSWORD, PASSPHRASE, SERVERS, uniqueName, type TestInstallation } from './support/installation';
import { dsnFor } from './support/round-trip';
import { storedFileNames } from './support/stored-files';

const TWIN_PASSPHRASE = 'the off-site passphrase, not the local one';

let inst: TestInstallation;
let twinDir: string;
let twinArgs: string[];
let first: { id: string };
const restoredDb = uniqueName('mmbackup_it_copy');
const target = { ...SERVERS.postgres, database: restoredDb };

beforeAll(async () => {
  requireBuild();
  inst = await createInstallation('postgres');
  expect((await runCli([...inst.args, 'init'])).code).toBe(0);
  const backup = await runCli([...inst.args, '--json', 'backup']);
  expect(backup.code).toBe(0);
  first = backup.json().snapshot;
  twinDir = path.join(inst.root, 'off-site');
  const twinPassphraseFile = path.join(inst.root, 'off-site-passphrase');
  await fs.writeFile(twinPassphraseFile, `${TWIN_PASSPHRASE}\n`, { mode: 0o600 });
  twinArgs = ['--repo', twinDir, '--passphrase-file', twinPassphraseFile];
});
afterAll(async () => {
  await driverFor(target).dropDatabase(target).catch(() => {});
  await inst?.cleanup();
});

test('copy --to an empty location creates a twin opened by its own passphrase and copies the snapshot', async () => {
  const result = await runCli([...inst.args, '--json', 'copy', '--to', twinDir, '--to-passphrase-file', twinArgs[3]]);
  expect(result.code).toBe(0);
  const report = result.json();
  expect(report).toMatchObject({ created: true, snapshotsCopied: [first.id], snapshotsSkipped: [], snapshotsFailed: [] });
  expect(report.objectsCopied).toBeGreaterThan(0); // packs of several MiB: a few hold the whole snapshot
  expect(report.bytesCopied).toBeGreaterThan(0);
  const source = (await runCli([...inst.args, '--json', 'list'])).json();
  const twin = await runCli([...twinArgs, '--json', 'list']);
  expect(twin.code).toBe(0);
  expect(twin.json()).toEqual(source);
});

test('verify --read-data passes on the twin', async () => {
  const verify = await runCli([...twinArgs, '--json', 'verify', '--read-data']);
  expect(verify.code).toBe(0);
  expect(verify.json()).toMatchObject({ problems: [], snapshots: [first.id], ok: true });
});

test('restore from the twin onto a new server gives the data back', async () => {
  const newInstall = path.join(inst.root, 'restored-from-twin');
  const dsn = dsnFor('postgres', target);
  const restoreArgs = [...twinArgs, '--json', 'restore', first.id, '--db', dsn, '--config-dir', path.join(newInstall, 'config'), '--install-dir', newInstall];
  const dryRun = await runCli([...restoreArgs, '--dry-run']);
  expect(dryRun.code).toBe(0);
  expect(dryRun.json().dryRun).toBe(true);
  const result = await runCli(restoreArgs);
  expect(result.code).toBe(0);
  expect(result.json().check.rowMismatches).toEqual([]);
  expect(await compareTrees(path.join(inst.installDir, 'data'), path.join(newInstall, 'data'))).toEqual([]);
});

test('after a second backup, copy carries only the new snapshot and its new objects', async () => {
  const packsBefore = await storedFileNames(inst.repo, ['data']);
  const backup = await runCli([...inst.args, '--json', 'backup']);
  expect(backup.code).toBe(0);
  const second = backup.json().snapshot;
  const newPacks = (await storedFileNames(inst.repo, ['data'])).filter((pack) => !packsBefore.includes(pack));
  expect(second.totals.chunksNew).toBeGreaterThan(0);
  expect(newPacks.length).toBeGreaterThan(0);
  const result = await runCli([...inst.args, '--json', 'copy', '--to', twinDir]);
  expect(result.code).toBe(0);
  const report = result.json();
  expect(report).toMatchObject({ created: false, snapshotsCopied: [second.id], snapshotsSkipped: [first.id] });
  // The twin held every object of the first snapshot, so exactly the packs the second backup added travel.
  expect(report.objectsCopied).toBe(newPacks.length);
  expect(report.objectsSkipped).toBeGreaterThan(report.objectsCopied);

  const again = await runCli([...inst.args, 'copy', '--to', twinDir]);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/copied 0 snapshot\(s\)/);
  expect((await runCli([...twinArgs, 'verify', second.id, '--read-data'])).code).toBe(0);
});

test('a repository with other keys is refused with exit 2 and told how to start a twin', async () => {
  const other = path.join(inst.root, 'other-repo');
  const otherArgs = [...inst.args];
  otherArgs[otherArgs.indexOf('--repo') + 1] = other;
  expect((await runCli([...otherArgs, 'init'])).code).toBe(0); // the same passphrase, but its own keys
  const result = await runCli([...inst.args, 'copy', '--to', other]);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/twin/);
  expect(result.stderr).toMatch(/empty location/);
});

test('no secret appeared in any output', () => {
  const everything = allOutput.join('\n');
  expect(everything).not.toContain(PASSPHRASE);
  expect(everything).not.toContain(TWIN_PASSPHRASE);
  expect(everything).not.toContain(DB_PASSWORD);
});
