/**
 * Disaster recovery of a Mattermost whose config lives in its database (`--config postgres://...`, as
 * MM_CONFIG): the settings changed through the API and the SAML certificate live in the Configurations and
 * ConfigurationFiles tables. Backed up with mmbackup reading that DSN, restored onto a new database and
 * install dir; the old database is then dropped, so a restored config that still named it could not start.
 * The restored server must start on the new database with the settings it had, and serve the same data.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBuild, runCli } from '../support/cli';
import { freePort } from '../../src/common/free-port';
import { buildData, type Built } from './support/data-builder';
import { observe } from './support/observe';
import { adminQuery, dataSourceFor, dropDatabase, makeInstallDir, mattermostBuild, newServer, start, stop, tearDown, uniqueDatabase, type TestServer } from './support/server';

jest.setTimeout(15 * 60_000);

let work: string;
let build: string;
let source: TestServer;
let restored: TestServer | undefined;
let built: Built;
let before: Record<string, unknown>;
const databases: string[] = [];

beforeAll(async () => {
  requireBuild();
  build = mattermostBuild();
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-dr-dbconfig-'));
  source = await newServer(path.join(work, 'source'), build, 'mmdr_cfgdb', true);
  databases.push(source.database);
  await start(source, 'config in the database, first start');
  built = await buildData(source.running!.url, work);
  before = await observe(source.running!.url, built, source.database);
}, 20 * 60_000);

afterAll(() => tearDown({ title: 'Mattermost boot times (config in the database)', servers: [source, restored], databases, work }));

test('3. config in the database: backup, restore onto a new database and install dir, and the restored server starts with the settings it had', async () => {
  expect(built.samlCertificate.viaApi).toBe(true);
  const stored = await adminQuery<{ name: string }>('SELECT name FROM configurationfiles', source.database);
  expect(stored.map((r) => r.name)).toContain('saml-public.crt'); // Mattermost put the certificate in the database

  const repo = ['--repo', path.join(work, 'repo'), '--passphrase-file', path.join(work, 'passphrase')];
  await fs.writeFile(path.join(work, 'passphrase'), 'config in the database passphrase');
  const env = { MM_INSTALL_DIR: source.root };
  const cli = (args: string[]) => runCli(['--mattermost-config', source.config, ...repo, ...args], env);
  expect((await cli(['init'])).code).toBe(0);
  const backup = await cli(['--json', 'backup']);
  expect(backup.code).toBe(0);
  expect(backup.json().snapshot.components.config.source).toBe('database');

  const root = path.join(work, 'new-server');
  await makeInstallDir(root, build);
  const database = uniqueDatabase('mmdr_cfgdb_new');
  databases.push(database);
  const restore = await cli(['--json', 'restore', 'latest', '--db', dataSourceFor(database), '--config-dir', path.join(root, 'config'), '--install-dir', root]);
  expect(restore.code).toBe(0);
  expect(restore.json().databaseConfigRewrite).toEqual({ database, changed: ['SqlSettings.DataSource'] });
  expect(restore.json().versionCheck.verdict).toBe('same');

  // The disaster: the old server and its database are gone.
  await stop(source);
  await dropDatabase(source.database);

  restored = { root, database, dataSource: dataSourceFor(database), config: dataSourceFor(database), port: await freePort(), boots: [] };
  await start(restored, 'new server, config in the restored database');
  expect(await observe(restored.running!.url, built, database)).toEqual(before);
  const files = await adminQuery<{ name: string }>('SELECT name FROM configurationfiles', database);
  expect(files.map((r) => r.name)).toContain('saml-public.crt');
});
