/**
 * Disaster recovery proven on a real Mattermost (the pinned build, real PostgreSQL). One source server gets
 * real data through its API; it is backed up with mmbackup reading the config Mattermost wrote; then:
 *   1. restored onto a new server (new database, config dir, file dir), which a second Mattermost boots;
 *   2. the same server after a disaster (database dropped, file store deleted), restored with --yes;
 *   a drill boots Mattermost on a scratch copy; and restore refuses a backup newer than the binary.
 * Every server must then serve the same data: logins with the same passwords, channels, posts, replies,
 * reactions, custom emoji, attachments with thumbnails and previews byte-identical, the plugin active, the
 * settings, Systems.Version and the migration level.
 *
 * Ports: the restored config.json keeps the old server's ListenAddress and SiteURL (a server that takes
 * over keeps its name, so mmbackup leaves them alone); this test runs both servers on one host, so it
 * sets them per server through MM_SERVICESETTINGS_* variables, as an admin moving to another port would.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBuild, runCli } from '../support/cli';
import { buildData, type Built } from './support/data-builder';
import { observe } from './support/observe';
import { dataSourceFor, dropDatabase, makeInstallDir, mattermostBuild, newServer, start, stop, uniqueDatabase, type TestServer } from './support/server';

jest.setTimeout(15 * 60_000);

let work: string;
let build: string;
let source: TestServer;
let restored: TestServer | undefined;
let built: Built;
let before: Record<string, unknown>;
let repoArgs: string[];
const databases: string[] = [];
const timings: string[] = [];

function cli(args: string[], config = source.config) {
  return runCli(['--mattermost-config', config, ...repoArgs, ...args]);
}

beforeAll(async () => {
  requireBuild();
  build = mattermostBuild();
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-dr-'));
  source = await newServer(path.join(work, 'source'), build, 'mmdr_src');
  databases.push(source.database);
  await start(source, 'source, first start (creates the schema)');
  built = await buildData(source.running!.url, work, path.join(source.root, 'config')).catch((err) => {
    throw new Error(`${err.message}\nMattermost's last log lines:\n${source.running!.logTail(40).join('\n')}`);
  });
  before = await observe(source.running!.url, built, source.database);
  await fs.writeFile(path.join(work, 'passphrase'), 'correct horse battery staple dr');
  repoArgs = ['--repo', path.join(work, 'repo'), '--passphrase-file', path.join(work, 'passphrase')];
  expect((await cli(['init'])).code).toBe(0);
  const backup = await cli(['--json', 'backup']);
  expect(backup.code).toBe(0);
}, 20 * 60_000);

afterAll(async () => {
  await stop(restored);
  await stop(source);
  for (const db of databases) await dropDatabase(db).catch(() => undefined);
  if (work) await fs.rm(work, { recursive: true, force: true });
  if (source) for (const s of [source, restored]) for (const b of s?.boots ?? []) timings.push(`${b.label}: ${(b.ms / 1000).toFixed(1)} s`);
  process.stdout.write(`Mattermost boot times:\n  ${timings.join('\n  ')}\n`);
});

test('the data set is real: files, thumbnails, emoji, plugin and SAML certificate were written by Mattermost', async () => {
  const files = before.files as Record<string, { content: { size: number }; thumbnail: unknown; preview: unknown }>;
  for (const f of built.files) {
    expect(files[f.id]).toMatchObject({ content: { sha256: f.sha256 } });
    if (f.image) expect(files[f.id].thumbnail).not.toBeNull();
  }
  expect(before.plugin).toEqual({ active: true, enabledInConfig: true });
  expect((before.posts as Record<string, { reactions: string[] }>)[built.posts[1]].reactions).toEqual([`${built.alice.id}:drproof`]);
  const saml = await fs.readFile(path.join(source.root, 'config', built.samlCertificate.file));
  expect(saml.length).toBeGreaterThan(500);
});

test('1. a new server: restore onto a new database, config dir and file dir, and a second Mattermost serves the same data', async () => {
  const root = path.join(work, 'new-server');
  await makeInstallDir(root, build); // the admin installed the same Mattermost on the new host first
  const database = uniqueDatabase('mmdr_new');
  databases.push(database);
  const restore = await cli(['--json', 'restore', 'latest', '--db', dataSourceFor(database), '--config-dir', path.join(root, 'config'), '--install-dir', root]);
  expect(restore.code).toBe(0);
  const result = restore.json();
  expect(result.versionCheck).toMatchObject({ verdict: 'same', binary: { version: '11.4.0' } });
  expect(result.configRewrite.changed).toEqual(['SqlSettings.DataSource']);

  const config = JSON.parse(await fs.readFile(path.join(root, 'config', 'config.json'), 'utf8'));
  expect(config.SqlSettings.DataSource).toContain(`/${database}`);
  const port = (await import('../../src/mattermost/server-process')).freePort;
  restored = { root, database, dataSource: dataSourceFor(database), config: path.join(root, 'config', 'config.json'), port: await port(), boots: [] };
  await start(restored, 'new server on the restored data');
  expect(await observe(restored.running!.url, built, database)).toEqual(before);
  expect(await fs.readFile(path.join(root, 'config', built.samlCertificate.file))).toEqual(await fs.readFile(path.join(source.root, 'config', built.samlCertificate.file)));
  await stop(restored);
});

test('2. the same server after a disaster: database dropped and file store deleted, restore --yes, and it serves the same data', async () => {
  await stop(source);
  await dropDatabase(source.database);
  for (const dir of ['data', 'plugins', 'client']) await fs.rm(path.join(source.root, dir), { recursive: true, force: true });
  const restore = await cli(['--json', 'restore', 'latest', '--yes']);
  expect(restore.code).toBe(0);
  expect(restore.json().versionCheck.verdict).toBe('same');
  await start(source, 'same server after the disaster');
  expect(await observe(source.running!.url, built, source.database)).toEqual(before);
});

test('a drill boots Mattermost on the restored scratch copy, reads a known post and file, and records restore plus boot', async () => {
  const drill = await cli(['--json', 'verify', 'latest', '--drill']);
  expect(drill.code).toBe(0);
  const report = drill.json().drill;
  expect(report.boot).toMatchObject({ mattermostVersion: '11.4.0', postChecked: expect.any(String), fileChecked: { id: expect.any(String) } });
  expect(report.recoveryMs).toBe(report.restoreDurationMs + report.boot.bootMs);
  timings.push(`drill: restore ${(report.restoreDurationMs / 1000).toFixed(1)} s + boot ${(report.boot.bootMs / 1000).toFixed(1)} s`);
  expect(built.posts).toContain(report.boot.postChecked);
  expect(built.files.map((f) => f.id)).toContain(report.boot.fileChecked.id);
  const show = await cli(['--json', 'list']);
  expect(show.code).toBe(0);
});
