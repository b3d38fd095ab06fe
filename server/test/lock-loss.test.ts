/**
 * Writers that lose the repository lock stop before making anything visible: a backup whose lock is
 * removed (another host judged it stale and prune took over) writes no manifest, a prune stops removing.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Reporter } from '../src/common/reporter';
import { silentReporter } from '../src/common/reporter';
import { LocalDestination } from '../src/destinations/local';
import { runBackup } from '../src/engine/backup';
import { runPrune } from '../src/engine/prune';
import { passphraseSecret } from '../src/repository/keys';
import { Repository } from '../src/repository/repository';
import { listSnapshots } from '../src/repository/snapshots';
import { filesInstallation } from './support/files-installation';

let root: string;
let repository: Repository;
let dataDir: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-lockloss-'));
  repository = await Repository.init(new LocalDestination(path.join(root, 'repo')), passphraseSecret('lock loss passphrase', true));
  dataDir = path.join(root, 'mm', 'data');
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(path.join(dataDir, 'a.bin'), randomBytes(100_000));
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

/** A reporter that removes every lock file when `step` starts: what a takeover by another host does. */
function takeOverAt(step: string): Reporter {
  return {
    ...silentReporter,
    stepStarted: (name) => {
      if (name === step) for (const f of readdirSync(path.join(root, 'repo', 'locks'))) rmSync(path.join(root, 'repo', 'locks', f));
    },
  };
}

test('a backup whose lock was taken over fails with LOCK_LOST (exit 3) and leaves no snapshot', async () => {
  const installation = filesInstallation(dataDir, path.join(root, 'mm'));
  const err = await runBackup({ installation, repository, components: ['files'], reporter: takeOverAt('write-manifest') }).catch((e) => e);
  expect(err.code).toBe('LOCK_LOST');
  expect(err.exitCode).toBe(3);
  expect(err.fix).toMatch(/run it again/);
  expect(await listSnapshots(repository)).toEqual([]);
  // The next backup takes the lock and succeeds.
  await runBackup({ installation, repository, components: ['files'], reporter: silentReporter });
  expect(await listSnapshots(repository)).toHaveLength(1);
});

test('a prune whose lock was taken over before it removes objects stops with LOCK_LOST', async () => {
  const installation = filesInstallation(dataDir, path.join(root, 'mm'));
  await runBackup({ installation, repository, components: ['files'], reporter: silentReporter });
  await fs.writeFile(path.join(dataDir, 'a.bin'), randomBytes(100_000));
  await runBackup({ installation, repository, components: ['files'], reporter: silentReporter });
  const objectsBefore = (await fs.readdir(path.join(root, 'repo', 'objects'), { recursive: true })).length;
  const err = await runPrune(repository, { last: 1 }, { reporter: takeOverAt('remove-objects') }).catch((e) => e);
  expect(err.code).toBe('LOCK_LOST');
  expect((await fs.readdir(path.join(root, 'repo', 'objects'), { recursive: true })).length).toBe(objectsBefore);
});
