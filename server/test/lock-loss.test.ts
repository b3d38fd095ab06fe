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
import { copySnapshots, openCopyTarget } from '../src/engine/copy';
import { runPrune } from '../src/engine/prune';
import { lockTiming } from '../src/repository/lock';
import type { Destination } from '../src/destinations/destination';
import { passphraseSecret } from '../src/repository/keys';
import { Repository } from '../src/repository/repository';
import { listSnapshots } from '../src/repository/snapshots';
import { filesInstallation } from './support/files-installation';
import { storedFiles } from './support/stored-files';

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
const timing = { ...lockTiming };
afterEach(async () => {
  Object.assign(lockTiming, timing);
  await fs.rm(root, { recursive: true, force: true });
});

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
  const objectsBefore = await storedFiles(path.join(root, 'repo'));
  const err = await runPrune(repository, { last: 1 }, { reporter: takeOverAt('remove-objects') }).catch((e) => e);
  expect(err.code).toBe('LOCK_LOST');
  expect(await storedFiles(path.join(root, 'repo'))).toBe(objectsBefore);
});

test('a backup whose lock heartbeats fail past the bound stops with LOCK_LOST and leaves no snapshot', async () => {
  Object.assign(lockTiming, { heartbeatMs: 10, lostAfterMs: 0 });
  const inner = new LocalDestination(path.join(root, 'repo2'));
  let failLockWrites = false;
  const flaky: Destination = Object.assign(Object.create(inner), {
    save: (name: string, data: Buffer, options?: { exclusive?: boolean }) => (failLockWrites && name.startsWith('locks/') ? Promise.reject(new Error('503 Slow Down')) : inner.save(name, data, options)),
  });
  const repo = await Repository.init(flaky, passphraseSecret('lock loss passphrase', true));
  const reporter: Reporter = { ...silentReporter, stepStarted: (name) => void (name === 'index' && (failLockWrites = true)) };
  await fs.writeFile(path.join(dataDir, 'b.bin'), randomBytes(2_000_000));
  const err = await runBackup({ installation: filesInstallation(dataDir, path.join(root, 'mm')), repository: repo, components: ['files'], reporter }).catch((e) => e);
  expect(err.code).toBe('LOCK_LOST');
  expect(err.message).toMatch(/no longer holds the lock .*heartbeat could not be written for \d+ s/);
  expect(await listSnapshots(repo)).toEqual([]);
});

test('a copy whose target lock was taken over writes no manifest into the target', async () => {
  const installation = filesInstallation(dataDir, path.join(root, 'mm'));
  const snapshot = await runBackup({ installation, repository, components: ['files'], reporter: silentReporter });
  const { target } = await openCopyTarget(repository, new LocalDestination(path.join(root, 'offsite')), { sourceSecret: passphraseSecret('lock loss passphrase') });
  const takeOver: Reporter = {
    ...silentReporter,
    stepStarted: (name) => {
      if (name === `copy ${snapshot.id}`) for (const f of readdirSync(path.join(root, 'offsite', 'locks'))) rmSync(path.join(root, 'offsite', 'locks', f));
    },
  };
  const err = await copySnapshots({ source: repository, target, reporter: takeOver }).catch((e) => e);
  expect(err.code).toBe('LOCK_LOST');
  expect(await listSnapshots(target)).toEqual([]);
});
