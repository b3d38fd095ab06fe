/**
 * A snapshot never names an object that is not stored. The sequence an admin meets with `mmbackup serve`
 * (one Repository held for the bridge's lifetime) and a prune after each backup:
 *   1. back up a file store holding x.bin (2 MiB of random bytes);
 *   2. delete x.bin, back up again;
 *   3. prune --keep-last 1: the first snapshot and x.bin's objects go;
 *   4. put the same x.bin back, back up again.
 * The third snapshot must verify with --read-data in a fresh process. The prune runs in this process (the
 * same Repository) or in another one (the CLI), against a local and an S3 repository.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentReporter } from '../src/common/reporter';
import type { Destination } from '../src/destinations/destination';
import { openDestination } from '../src/destinations/open';
import { runBackup } from '../src/engine/backup';
import { runPrune } from '../src/engine/prune';
import { passphraseSecret } from '../src/repository/keys';
import { Repository } from '../src/repository/repository';
import { requireBuild, runCli } from './support/cli';
import { filesInstallation } from './support/files-installation';
import { startS3Server, type S3TestServer } from './support/s3';

const PASSPHRASE = 'index freshness passphrase';
let root: string;
let s3: S3TestServer;

beforeAll(async () => {
  requireBuild();
  s3 = await startS3Server();
});
afterAll(() => s3?.stop());
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-fresh-'));
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

interface Target {
  url: string;
  env: Record<string, string>;
}

async function targets(kind: 'local' | 's3'): Promise<Target> {
  if (kind === 'local') return { url: path.join(root, 'repository'), env: {} };
  const bucket = await s3.bucket(`fresh-${randomBytes(4).toString('hex')}`);
  return { url: s3.repoUrl(bucket, 'repo'), env: s3.env() };
}

function open(target: Target): Destination {
  return openDestination(target.url, { env: { ...process.env, ...target.env }, onRetry: () => {} });
}

describe.each([
  ['local', 'this process'],
  ['local', 'another process'],
  ['s3', 'this process'],
  ['s3', 'another process'],
] as const)('%s repository, prune in %s', (kind, pruneIn) => {
  test('a file deleted, pruned away and put back is stored again: the new snapshot verifies with --read-data', async () => {
    const target = await targets(kind);
    const passphraseFile = path.join(root, 'passphrase');
    await fs.writeFile(passphraseFile, PASSPHRASE, { mode: 0o600 });
    const cliArgs = ['--repo', target.url, '--passphrase-file', passphraseFile];
    const installDir = path.join(root, 'mattermost');
    const dataDir = path.join(installDir, 'data');
    await fs.mkdir(dataDir, { recursive: true });
    await fs.writeFile(path.join(dataDir, 'keep.txt'), 'stays in every snapshot');
    const installation = filesInstallation(dataDir, installDir);
    const x = randomBytes(2 * 1024 * 1024);

    // One Repository for every backup, as `mmbackup serve` holds it.
    const repository = await Repository.init(open(target), passphraseSecret(PASSPHRASE, true));
    const backup = () => runBackup({ installation, repository, components: ['files'], reporter: silentReporter });

    await fs.writeFile(path.join(dataDir, 'x.bin'), x);
    await backup();
    await fs.rm(path.join(dataDir, 'x.bin'));
    const second = await backup();
    if (pruneIn === 'this process') {
      const report = await runPrune(repository, { last: 1 }, { reporter: silentReporter });
      expect(report.removed).toHaveLength(1);
      expect(report.objects.reclaimed).toBeGreaterThan(0);
    } else {
      const pruned = await runCli([...cliArgs, '--json', 'prune', '--keep-last', '1'], target.env);
      expect(pruned.code).toBe(0);
      expect(pruned.json().removed).toHaveLength(1);
    }
    await fs.writeFile(path.join(dataDir, 'x.bin'), x);
    const third = await backup();
    expect(third.totals.chunksNew).toBeGreaterThan(0);

    const verify = await runCli([...cliArgs, '--json', 'verify', third.id, '--read-data'], target.env);
    expect(verify.stderr).not.toMatch(/missing from the repository/);
    expect(verify.code).toBe(0);
    const all = await runCli([...cliArgs, '--json', 'list'], target.env);
    expect(all.json().map((s: { id: string }) => s.id)).toEqual([third.id, second.id]);
  });
});

// Format 2 with 1 MiB packs, so that packs are stored (unindexed) before the stop, as in format 1 objects.
test.each([1, 2] as const)('format %i: the leftovers of a failed backup, reclaimed by prune, are stored again by the next backup of the same Repository', async (formatVersion) => {
  const target = await targets('local');
  const installDir = path.join(root, 'mattermost');
  const dataDir = path.join(installDir, 'data');
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(path.join(dataDir, 'keep.txt'), 'first');
  const installation = filesInstallation(dataDir, installDir);
  const repository = await Repository.init(open(target), passphraseSecret(PASSPHRASE, true), { formatVersion, packSize: 1024 * 1024 });
  await runBackup({ installation, repository, components: ['files'], reporter: silentReporter });

  // A backup stopped once x.bin's first chunks are stored: they are leftovers no manifest names.
  await fs.writeFile(path.join(dataDir, 'x.bin'), randomBytes(4 * 1024 * 1024));
  const cancel = new AbortController();
  let seen = 0;
  const stopping = { ...silentReporter, bytes: (n: number) => void ((seen += n) >= 2 * 1024 * 1024 && cancel.abort()) };
  await expect(runBackup({ installation, repository, components: ['files'], reporter: stopping, signal: cancel.signal })).rejects.toThrow();
  const report = await runPrune(repository, { last: 1 }, { reporter: silentReporter });
  expect(report.objects.leftovers).toBeGreaterThan(0);

  const again = await runBackup({ installation, repository, components: ['files'], reporter: silentReporter });
  const passphraseFile = path.join(root, 'passphrase');
  await fs.writeFile(passphraseFile, PASSPHRASE, { mode: 0o600 });
  const verify = await runCli(['--repo', target.url, '--passphrase-file', passphraseFile, 'verify', again.id, '--read-data'], target.env);
  expect(verify.stderr).not.toMatch(/missing from the repository/);
  expect(verify.code).toBe(0);
});
