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
import { drillJob, type JobContext } from '../../src/bridge/jobs';
import { lastVerifiedOf } from '../../src/bridge/status';
import { installation, openRepository, resolveSecret, type GlobalOptions } from '../../src/cli/context';
import { silentReporter } from '../../src/common/reporter';
import { findSnapshot } from '../../src/repository/snapshots';
import { listVerifications, loadVerification } from '../../src/repository/verifications';
import { loadSettings } from '../../src/settings/load';
import { freePort } from '../../src/common/free-port';
import { observe, schemaLevel } from './support/observe';
import { adminQuery, dataSourceFor, dropDatabase, makeInstallDir, mattermostBuild, newServer, start, stop, tearDown, uniqueDatabase, type TestServer } from './support/server';

jest.setTimeout(15 * 60_000);

let work: string;
let build: string;
let source: TestServer;
let restored: TestServer | undefined;
let built: Built;
let before: Record<string, unknown>;
let repoArgs: string[];
/** The source's backup; after a restore --yes, "latest" is the safety snapshot of what that restore replaced. */
let backupId: string;
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
  backupId = backup.json().snapshot.id;
}, 20 * 60_000);

afterAll(() => tearDown({ title: 'Mattermost boot times', servers: [source, restored], databases, work, timings }));

test('the data set is real: files, thumbnails, emoji, plugin and SAML certificate were written by Mattermost', async () => {
  const files = before.files as Record<string, { content: { size: number }; thumbnail: unknown; preview: unknown; mime: string }>;
  for (const f of built.files) {
    // Mattermost decoded every PNG and the JPEG into a thumbnail and a preview of its own.
    expect(files[f.id]).toMatchObject({ content: { sha256: f.sha256 }, ...(f.image ? { hasPreview: true } : {}) });
    if (f.image) expect(files[f.id].thumbnail).not.toBeNull();
  }
  expect(Object.values(files).map((f) => f.mime).sort()).toEqual(['image/jpeg', 'image/png', 'image/png', 'image/png', 'text/plain; charset=utf-8', 'text/plain; charset=utf-8', 'text/plain; charset=utf-8']);
  expect(before.plugin).toEqual({ running: true, active: true, enabledInConfig: true });
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
  restored = { root, database, dataSource: dataSourceFor(database), config: path.join(root, 'config', 'config.json'), port: await freePort(), boots: [] };
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
  const drill = await cli(['--json', 'verify', backupId, '--drill']);
  if (drill.code !== 0) throw new Error(`verify --drill exited with ${drill.code}:\n${drill.stderr.slice(-4000)}`);
  const report = drill.json().drill;
  expect(report.bootSkipped).toBeUndefined();
  expect(report.boot).toMatchObject({ mattermostVersion: '11.4.0', postChecked: expect.any(String), fileChecked: { id: expect.any(String) } });
  expect(report.recoveryMs).toBe(report.restoreDurationMs + report.boot.bootMs);
  timings.push(`drill: restore ${(report.restoreDurationMs / 1000).toFixed(1)} s + boot ${(report.boot.bootMs / 1000).toFixed(1)} s`);
  expect(built.posts).toContain(report.boot.postChecked);
  expect(built.files.map((f) => f.id)).toContain(report.boot.fileChecked.id);
  // The verification record the console's Status and History read: "restored and booted in ...".
  const repository = await openRepository({ repo: path.join(work, 'repo'), passphraseFile: path.join(work, 'passphrase') } as GlobalOptions);
  const record = await loadVerification(repository, backupId);
  expect(record?.lastDrill).toMatchObject({ ok: true, restoreDurationMs: report.restoreDurationMs, bootMs: report.boot.bootMs, recoveryMs: report.recoveryMs, mattermostVersion: '11.4.0' });
});

test('the scheduled drill (the bridge\'s drill job) boots Mattermost too, and the status shows restore plus boot', async () => {
  const options = { repo: path.join(work, 'repo'), passphraseFile: path.join(work, 'passphrase'), mattermostConfig: source.config } as GlobalOptions;
  const mattermost = await installation(options);
  const context: JobContext = {
    repository: await openRepository(options),
    secret: await resolveSecret(options),
    installation: mattermost,
    settings: loadSettings({ installation: mattermost, env: {} }).effective,
    reporter: silentReporter,
    signal: new AbortController().signal,
    jobId: 'drill-job-test',
  };
  const snapshot = await findSnapshot(context.repository, backupId);
  const report = await drillJob(context, snapshot);
  expect(report.boot).toMatchObject({ mattermostVersion: '11.4.0', postChecked: expect.any(String) });
  const status = lastVerifiedOf(await listVerifications(context.repository));
  expect(status).toMatchObject({ snapshotId: backupId, drill: true, restoreDurationMs: report.restoreDurationMs, recoveryMs: report.recoveryMs });
  timings.push(`scheduled drill: restore ${(report.restoreDurationMs / 1000).toFixed(1)} s + boot ${(report.boot!.bootMs / 1000).toFixed(1)} s`);
});

function setVersion(version: string): string {
  return `INSERT INTO systems (name, value) VALUES ('Version', '${version}') ON CONFLICT (name) DO UPDATE SET value = excluded.value`;
}

/** A server directory whose config.json is the source's, pointed at `database` (and changed by `edit`). */
async function configuredAt(name: string, database: string, edit: (config: any) => void = () => undefined): Promise<{ root: string; config: string }> {
  const root = path.join(work, name);
  await makeInstallDir(root, build);
  const config = JSON.parse(await fs.readFile(source.config, 'utf8'));
  config.SqlSettings.DataSource = dataSourceFor(database);
  edit(config);
  const file = path.join(root, 'config', 'config.json');
  await fs.writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { root, config: file };
}

/** A copy of the source database (restored from its backup), changed by `sql` the way another Mattermost version leaves it, and backed up. */
async function backupOfChangedDatabase(prefix: string, sql: string[], edit?: (config: any) => void, only = 'db'): Promise<{ snapshot: string; root: string; config: string }> {
  const database = uniqueDatabase(prefix);
  databases.push(database);
  expect((await cli(['restore', backupId, '--only', 'db', '--db', dataSourceFor(database)])).code).toBe(0);
  for (const statement of sql) await adminQuery(statement, database);
  const server = await configuredAt(prefix, database, edit);
  const backup = await cli(['--json', 'backup', '--only', only], server.config);
  expect(backup.code).toBe(0);
  return { snapshot: backup.json().snapshot.id, ...server };
}

test('4. version safety: a backup from a newer Mattermost is refused before anything is replaced, naming the version to install', async () => {
  // What a Mattermost 11.5 leaves in the database: its version, and a migration this 11.4 binary does not have.
  // (Systems.Version is written only by upgrades from older releases; an upgraded server has it.)
  const newer = await backupOfChangedDatabase('mmdr_v115', [setVersion('11.5.0'), "INSERT INTO db_migrations (version, name) VALUES (151, 'add_future_columns')"]);
  const shown = (await cli(['--json', 'show', newer.snapshot])).json();
  expect(shown.mattermost).toMatchObject({ version: '11.5.0', schemaVersion: 151 });

  const target = uniqueDatabase('mmdr_refused');
  databases.push(target);
  const onNew = await cli(['--json', 'restore', newer.snapshot, '--db', dataSourceFor(target), '--install-dir', path.join(work, 'mmdr_v115')]);
  expect(onNew.code).toBe(2);
  expect(onNew.json().error).toMatchObject({ code: 'MATTERMOST_TOO_OLD', step: 'check-version', fix: expect.stringContaining('install Mattermost 11.5.0 or newer') });
  expect(onNew.stderr).toContain('11.4.0');
  expect(await adminQuery(`SELECT 1 FROM pg_database WHERE datname = '${target}'`)).toEqual([]); // nothing was created

  const snapshotsBefore = (await cli(['--json', 'list'])).json().length;
  const onSame = await cli(['--json', 'restore', newer.snapshot, '--yes']);
  expect(onSame.code).toBe(2);
  expect(await schemaLevel(source.database)).toEqual(before.versions); // the live database was not touched
  expect((await cli(['--json', 'list'])).json().length).toBe(snapshotsBefore); // not even a safety snapshot was needed
});

test('4. version safety: a backup from an older Mattermost is restored, said to migrate forward, and this Mattermost does migrate it', async () => {
  const older = await backupOfChangedDatabase('mmdr_v113', [setVersion('11.3.0'), 'DELETE FROM db_migrations WHERE version = 150']);
  const root = path.join(work, 'upgraded');
  await makeInstallDir(root, build);
  const database = uniqueDatabase('mmdr_upgraded');
  databases.push(database);
  const restore = await cli(['--json', 'restore', older.snapshot, '--db', dataSourceFor(database), '--install-dir', root]);
  expect(restore.code).toBe(0);
  expect(restore.json().versionCheck).toMatchObject({ verdict: 'newer-binary', message: expect.stringContaining('migrates the restored database forward on its first start (schema migrations 150 to 150)') });
  expect(await schemaLevel(database)).toEqual({ version: '11.3.0', migration: 149 });

  const server: TestServer = { root, database, dataSource: dataSourceFor(database), config: (await configuredAt('upgraded-config', database)).config, port: await freePort(), boots: [] };
  try {
    await start(server, 'an 11.3 backup on the 11.4 binary (migrates forward)');
  } finally {
    await stop(server);
    for (const b of server.boots) timings.push(`${b.label}: ${(b.ms / 1000).toFixed(1)} s`);
  }
  expect((await schemaLevel(database)).migration).toBe(150); // Mattermost applied the migration the backup lacked
});

test('4. version safety: a schema ahead of the binary is refused on the migration level alone, when no version is recorded', async () => {
  const ahead = await backupOfChangedDatabase('mmdr_m151', ["INSERT INTO db_migrations (version, name) VALUES (151, 'add_future_columns')"]);
  const target = uniqueDatabase('mmdr_refused');
  const refused = await cli(['--json', 'restore', ahead.snapshot, '--db', dataSourceFor(target), '--install-dir', ahead.root]);
  expect(refused.code).toBe(2);
  expect(refused.json().error).toMatchObject({ code: 'MATTERMOST_TOO_OLD', message: expect.stringContaining('migration 151'), fix: expect.stringContaining('newer than 11.4.0') });
  expect(await adminQuery(`SELECT 1 FROM pg_database WHERE datname = '${target}'`)).toEqual([]);
});

test('a drill whose Mattermost does not boot fails loudly, with Mattermost\'s own last log lines', async () => {
  // A config Mattermost rejects at start (a team size of 0 fails its validation): a backup that is no backup.
  const broken = await backupOfChangedDatabase('mmdr_broken', [], (config) => (config.TeamSettings.MaxUsersPerTeam = 0), 'db,config');
  const drill = await cli(['--json', 'verify', broken.snapshot, '--drill', '--mattermost-binary', path.join(build, 'bin', 'mattermost')], broken.config);
  expect(drill.code).toBe(1);
  expect(drill.json()).toMatchObject({ ok: false, error: { code: 'MATTERMOST_DID_NOT_BOOT', step: 'boot-mattermost' }, drillError: { code: 'MATTERMOST_DID_NOT_BOOT' } }); // one JSON document
  expect(drill.stderr).toContain('boot-mattermost: Mattermost exited with code 1 before it answered; its last log lines:');
  expect(drill.stderr).toContain('Invalid maximum users per team'); // Mattermost's own words
});
