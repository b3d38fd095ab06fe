/**
 * Reading the real Mattermost binary: its version from `mattermost version`, and the newest schema migration
 * it embeds, checked against the migration files of the very module source it was built from.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findMattermostBinary, inspectMattermostBinary } from '../../src/mattermost/server-binary';
import { mattermostBuild } from './support/server';

const REPO_ROOT = path.resolve(__dirname, '../../..');

test('the version and the migration level of the built Mattermost are read from the binary', async () => {
  const build = mattermostBuild();
  const binary = await inspectMattermostBinary(path.join(build, 'bin', 'mattermost'));
  const moduleDir = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', 'github.com/mattermost/mattermost/server/v8'], { cwd: path.join(REPO_ROOT, 'build/mattermost'), encoding: 'utf8' }).trim();
  const migrations = (await fs.readdir(path.join(moduleDir, 'channels/db/migrations/postgres'))).filter((f) => f.endsWith('.up.sql')).map((f) => Number(f.slice(0, 6)));
  const goVersion = /"(\d+\.\d+\.\d+)"/.exec(await fs.readFile(path.join(execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', 'github.com/mattermost/mattermost/server/public'], { cwd: path.join(REPO_ROOT, 'build/mattermost'), encoding: 'utf8' }).trim(), 'model/version.go'), 'utf8'))?.[1];
  expect(binary).toMatchObject({ version: goVersion, installDir: build, migrations: { postgres: Math.max(...migrations) } });
});

test('the binary is looked up in the install dir, and an explicit path that is not one is refused', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-binary-'));
  try {
    expect(await findMattermostBinary({ installDir: dir })).toBeUndefined();
    await expect(findMattermostBinary({ explicit: path.join(dir, 'nope') })).rejects.toMatchObject({ code: 'MATTERMOST_BINARY_NOT_FOUND', exitCode: 2 });
    await fs.mkdir(path.join(dir, 'bin'));
    await fs.writeFile(path.join(dir, 'bin', 'mattermost'), '', { mode: 0o755 });
    expect(await findMattermostBinary({ installDir: dir })).toBe(path.join(dir, 'bin', 'mattermost'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
