/** The repository check on a real local repository: fine, moved away, and short of room for the next backup. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalDestination } from '../destinations/local';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import { checkRepository, describeRepositoryHealth } from './repository-watch';

let root: string;
let repository: Repository;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-repo-watch-'));
  repository = await Repository.init(new LocalDestination(path.join(root, 'repo')), passphraseSecret('repository watch passphrase'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test('a reachable repository with room is ok, and says nothing', async () => {
  const health = await checkRepository(repository, 1024);
  expect(health).toEqual({ state: 'ok' });
  expect(describeRepositoryHealth(health)).toEqual({});
});

test('a repository moved away is unreachable, with what to check', async () => {
  await fs.rename(path.join(root, 'repo'), path.join(root, 'elsewhere'));
  try {
    const health = await checkRepository(repository, 1024);
    expect(health.state).toBe('unreachable');
    if (health.state !== 'unreachable') return;
    expect(health.error.code).toBe('REPO_GONE');
    expect(health.error.message).toContain(path.join(root, 'repo'));
    expect(describeRepositoryHealth(health).problem).toMatch(/mounted and MMBACKUP_REPO points at it/);
  } finally {
    await fs.rename(path.join(root, 'elsewhere'), path.join(root, 'repo'));
  }
  expect((await checkRepository(repository, 1024)).state).toBe('ok');
});

test('less free space than twice the next backup is nearly full, a warning with the figures', async () => {
  const free = await repository.destination.freeSpace!();
  expect(free).toBeGreaterThan(0);
  const health = await checkRepository(repository, Math.ceil(free! / 1.5));
  expect(health).toMatchObject({ state: 'nearly-full', freeBytes: expect.any(Number) });
  const { warning, problem } = describeRepositoryHealth(health);
  expect(problem).toBeUndefined();
  expect(warning).toMatch(/free, less than twice the newest snapshot .*: prune, tighten retention or add space/);
  // No snapshot yet: nothing to compare with, so no warning however full the disk.
  expect((await checkRepository(repository, 0)).state).toBe('ok');
});
