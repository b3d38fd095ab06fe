/**
 * A Mattermost whose config lives in the database (MM_CONFIG is a DSN) and whose settings come partly
 * from MM_* variables: the active Configurations row and the ConfigurationFiles rows are captured as the
 * config, the environment is recorded, and restore writes them out as a config directory.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { mattermostDataSource } from '../src/demo/db-endpoint';
import { allOutput, requireBuild, runCli } from './support/cli';
import { createInstallation, DB_PASSWORD, type TestInstallation } from './support/installation';

let inst: TestInstallation;
let env: NodeJS.ProcessEnv;
let args: string[];

beforeAll(async () => {
  requireBuild();
  inst = await createInstallation('postgres');
  const dsn = mattermostDataSource('postgres', inst.connection);
  env = { MM_SQLSETTINGS_DATASOURCE: dsn, MM_FILESETTINGS_DIRECTORY: inst.dataDir, MM_INSTALL_DIR: inst.installDir, MM_SERVICEENVIRONMENT: 'production' };
  args = ['--mattermost-config', dsn, '--repo', inst.repo, '--passphrase-file', inst.passphraseFile];
  expect((await runCli([...args, 'init'], env)).code).toBe(0);
});
afterAll(() => inst?.cleanup());

test('backup and restore of a database-held config, with the MM_* environment recorded', async () => {
  const backup = await runCli([...args, '--json', 'backup'], env);
  expect(backup.code).toBe(0);
  const { snapshot } = backup.json();
  expect(snapshot.components.config.source).toBe('database');
  expect(snapshot.components.config.environmentNames).toEqual(expect.arrayContaining(['MM_SQLSETTINGS_DATASOURCE', 'MM_FILESETTINGS_DIRECTORY', 'MM_SERVICEENVIRONMENT']));
  expect(snapshot.components.files.roots[0].path).toBe(inst.dataDir);

  const target = path.join(inst.root, 'restored-config');
  const restore = await runCli([...args, 'restore', snapshot.id, '--only', 'config', '--config-dir', target], env);
  expect(restore.code).toBe(0);
  expect(restore.stdout).toMatch(/mmbackup show .* --env/);

  const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: inst.connection.database });
  await client.connect();
  try {
    const active = await client.query('SELECT value FROM configurations WHERE active');
    expect(await fs.readFile(path.join(target, 'config.json'), 'utf8')).toBe(active.rows[0].value);
    const files = await client.query('SELECT name, data FROM configurationfiles');
    expect(files.rows.length).toBeGreaterThan(0);
    for (const row of files.rows) expect(await fs.readFile(path.join(target, row.name), 'utf8')).toBe(row.data);
  } finally {
    await client.end();
  }
  expect(allOutput.join('\n')).not.toContain(DB_PASSWORD);

  const shown = await runCli([...args, '--json', 'show', snapshot.id, '--env'], env);
  expect(shown.json().MM_SERVICEENVIRONMENT).toBe('production');
});
