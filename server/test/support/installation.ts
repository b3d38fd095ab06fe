/**
 * A complete Mattermost-shaped installation for integration tests: a generated database on the real
 * PostgreSQL or MariaDB, a config dir with SAML/LDAP files, a file store whose names have spaces, quotes,
 * semicolons and unicode, and plugin directories. Everything lives under one temp dir and one database.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dropGeneratedDatabase, generateDatabase, type GeneratedDatabaseSummary } from '../../src/demo/generate-database';
import { generateConfigDir } from '../../src/demo/generate-config-dir';
import { generateFileStore, generatePluginDirs } from '../../src/demo/generate-file-store';
import { mattermostDataSource } from '../../src/demo/db-endpoint';
import type { DbConnection } from '../../src/mattermost/types';

export const DB_PASSWORD = 'Db-Pa55word-that-must-not-leak';
export const PASSPHRASE = 'repository passphrase that must not leak';

export const SERVERS = {
  postgres: { driver: 'postgres' as const, host: '127.0.0.1', port: 5432, user: 'postgres', password: DB_PASSWORD, params: {} },
  mysql: { driver: 'mysql' as const, host: '127.0.0.1', port: 3306, user: 'root', password: '', params: {} },
};

export interface TestInstallation {
  root: string;
  installDir: string;
  configFile: string;
  dataDir: string;
  repo: string;
  passphraseFile: string;
  db: GeneratedDatabaseSummary;
  connection: DbConnection;
  /** Global CLI options for this installation and its repository. */
  args: string[];
  cleanup(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function createInstallation(driver: 'postgres' | 'mysql', options: { posts?: number; extraFiles?: number } = {}): Promise<TestInstallation> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), `mmbackup-it-${driver}-`));
  const installDir = path.join(root, 'mattermost');
  const server = SERVERS[driver];
  const database = uniqueName('mmbackup_it');
  const db = await generateDatabase({ driver, connection: { ...server, password: server.password || undefined }, database, posts: options.posts ?? 400, users: 20, seed: 7, fullTextIndex: true });
  const connection: DbConnection = { ...server, database, password: server.password || undefined };
  const dataSource = mattermostDataSource(driver, connection);
  const config = await generateConfigDir(path.join(installDir, 'config'), { dataSource });
  const dataDir = path.join(installDir, 'data');
  await generateFileStore(dataDir, db.files, { seed: 7 });
  await generatePluginDirs(installDir, { seed: 7 });
  await addAwkwardFiles(dataDir, options.extraFiles ?? 0);
  const passphraseFile = path.join(root, 'passphrase');
  await fs.writeFile(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 });
  const repo = path.join(root, 'repository');
  return {
    root,
    installDir,
    configFile: config.configFile,
    dataDir,
    repo,
    passphraseFile,
    db,
    connection,
    args: ['--mattermost-config', config.configFile, '--repo', repo, '--passphrase-file', passphraseFile],
    async cleanup() {
      await dropGeneratedDatabase(driver, { ...server, password: server.password || undefined }, database).catch(() => {});
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** File names admins really have, and optionally some bulk to make a backup take a while. */
async function addAwkwardFiles(dataDir: string, extra: number): Promise<void> {
  const dir = path.join(dataDir, 'brand');
  await fs.mkdir(dir, { recursive: true });
  const names = ['logo with spaces.png', "it's \"quoted\".txt", 'semi;colon.txt', 'ünïcødé-文件-😀.bin', 'back\\slash.txt'];
  for (const name of names) await fs.writeFile(path.join(dir, name), randomBytes(2048));
  await fs.chmod(path.join(dir, 'semi;colon.txt'), 0o640);
  for (let i = 0; i < extra; i++) await fs.writeFile(path.join(dir, `bulk-${i}.bin`), randomBytes(1024 * 1024));
}
