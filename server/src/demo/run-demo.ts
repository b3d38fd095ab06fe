/**
 * The README's main job, `mmbackup demo`: a sample Mattermost installation under ./demo, backed up into a
 * local repository with progress, verified by reading every object, restored onto "a new server" (another
 * database and directories), proved identical, and summed up in a short report. Running it again reuses
 * the repository, so the second report shows deduplication at work.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExitCode, MmBackupError } from '../common/errors';
import type { Reporter } from '../common/reporter';
import { LocalDestination } from '../destinations/local';
import { runBackup } from '../engine/backup';
import { runRestore } from '../engine/restore';
import { verifySnapshots } from '../engine/verify';
import { loadInstallation } from '../mattermost/installation';
import { readKeyFile, writeNewKeyFile } from '../repository/keys';
import { Repository } from '../repository/repository';
import { driverFor } from '../sources/drivers';
import { compareDatabases, compareTrees } from './compare';
import { generateConfigDir } from './generate-config-dir';
import { generateDatabase } from './generate-database';
import { generateFilePluginsAndStore } from './demo-installation';
import { demoPostgres } from './private-postgres';

export interface DemoReport {
  snapshot: string;
  backedUpBytes: number;
  newBytes: number;
  backupMs: number;
  verifyMs: number;
  restoreMs: number;
  posts: number;
  files: number;
  differences: string[];
}

const DEMO_DB = 'mmbackup_demo';
const RESTORED_DB = 'mmbackup_demo_restored';

async function openOrInitRepository(dir: string, keyFile: string, reporter: Reporter): Promise<Repository> {
  const destination = new LocalDestination(dir);
  const exists = await fs.stat(path.join(dir, 'config')).then(() => true, () => false);
  if (exists) return Repository.open(destination, await readKeyFile(keyFile));
  await fs.rm(keyFile, { force: true });
  const repository = await Repository.init(destination, await writeNewKeyFile(keyFile));
  reporter.info(`created repository ${dir} with key file ${keyFile} (fingerprint ${repository.fingerprint})`);
  return repository;
}

export async function runDemo(dirOption: string, reporter: Reporter): Promise<DemoReport> {
  const demoDir = path.resolve(dirOption);
  const installDir = path.join(demoDir, 'mattermost');
  const restoredDir = path.join(demoDir, 'restored');
  await fs.mkdir(demoDir, { recursive: true });
  const server = await demoPostgres(demoDir);
  try {
    reporter.stepStarted('demo-install', `creating a sample Mattermost in ${installDir}`);
    await fs.rm(installDir, { recursive: true, force: true });
    const db = await generateDatabase({ driver: 'postgres', connectionUrl: server.url, database: DEMO_DB, posts: 5000, users: 60, seed: 1 });
    const config = await generateConfigDir(path.join(installDir, 'config'), { dataSource: db.dataSource });
    const store = await generateFilePluginsAndStore(installDir, db.files);
    reporter.stepFinished('demo-install', true);
    reporter.info(`sample installation: ${db.tables.posts ?? 0} posts, ${Object.keys(db.tables).length} tables, ${store.files} files (${store.bytes} bytes), config with SAML/LDAP certificates`);

    const repository = await openOrInitRepository(path.join(demoDir, 'repository'), path.join(demoDir, 'mmbackup.key'), reporter);
    const installation = await loadInstallation({ source: config.configFile, env: {} });
    let t = Date.now();
    const manifest = await runBackup({ installation, repository, reporter, tags: ['demo'] });
    const backupMs = Date.now() - t;

    t = Date.now();
    const verified = await verifySnapshots(repository, [manifest], true, reporter);
    const verifyMs = Date.now() - t;
    if (verified.problems.length > 0) throw demoFailed(`verify found problems: ${verified.problems[0].problem}`);

    const target = { ...installation.database, database: RESTORED_DB };
    await driverFor(target).dropDatabase(target);
    await fs.rm(restoredDir, { recursive: true, force: true });
    t = Date.now();
    await runRestore({ repository, snapshot: manifest, targets: { db: target, configDir: path.join(restoredDir, 'config'), installDir: restoredDir }, yes: false, dryRun: false, reporter });
    const restoreMs = Date.now() - t;

    reporter.stepStarted('demo-compare', 'comparing the restored copy with the original');
    const differences = [
      ...(await compareDatabases('postgres', installation.database, target)).map((d) => `database: ${typeof d === 'string' ? d : JSON.stringify(d)}`),
      ...(await compareRestoredTrees(installDir, restoredDir)),
      ...(await compareRestoredConfig(installDir, restoredDir, RESTORED_DB)),
    ];
    reporter.stepFinished('demo-compare', differences.length === 0);
    return { snapshot: manifest.id, backedUpBytes: manifest.totals.size, newBytes: manifest.totals.bytesWritten, backupMs, verifyMs, restoreMs, posts: db.tables.posts ?? 0, files: store.files, differences };
  } finally {
    server.stop?.();
  }
}

async function compareRestoredTrees(original: string, restored: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of ['data', 'plugins', path.join('client', 'plugins')]) {
    for (const d of await compareTrees(path.join(original, sub), path.join(restored, sub))) out.push(`${sub}: ${d}`);
  }
  return out;
}

/** Every config file byte-identical, except config.json, whose database and file store must point at the new targets. */
async function compareRestoredConfig(original: string, restored: string, restoredDb: string): Promise<string[]> {
  const out: string[] = [];
  const dirA = path.join(original, 'config');
  const dirB = path.join(restored, 'config');
  for (const name of await fs.readdir(dirA)) {
    if (name === 'config.json') continue;
    const [a, b] = await Promise.all([fs.readFile(path.join(dirA, name)), fs.readFile(path.join(dirB, name)).catch(() => undefined)]);
    if (!b || !a.equals(b)) out.push(`config: ${name} differs`);
  }
  const before = JSON.parse(await fs.readFile(path.join(dirA, 'config.json'), 'utf8'));
  const after = JSON.parse(await fs.readFile(path.join(dirB, 'config.json'), 'utf8'));
  if (!String(after.SqlSettings.DataSource).includes(`/${restoredDb}?`)) out.push('config: restored config.json does not point at the restored database');
  // Relative directories resolve against the install dir, as Mattermost resolves them.
  if (path.resolve(restored, after.FileSettings.Directory) !== path.join(restored, 'data')) out.push('config: restored config.json does not point at the restored file store');
  after.SqlSettings.DataSource = before.SqlSettings.DataSource;
  after.FileSettings.Directory = before.FileSettings.Directory;
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push('config: config.json differs beyond DataSource and Directory');
  return out;
}

function demoFailed(message: string): MmBackupError {
  return new MmBackupError({ step: 'demo', code: 'DEMO_FAILED', message, fix: 'see the lines above; report it with the output', exitCode: ExitCode.failed });
}
