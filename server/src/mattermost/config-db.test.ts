/**
 * The database config store against the machine's real PostgreSQL (127.0.0.1:5432, trust) and MariaDB
 * (127.0.0.1:3306, root without password). Each suite creates a database with a random name, builds the
 * tables as Mattermost does (lower-case in PostgreSQL, CamelCase in MySQL), and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as mysql from 'mysql2/promise';
import { Client } from 'pg';
import { MmBackupError } from '../common/errors';
import { clearSecretsForTests } from '../common/redact';
import { readActiveDatabaseConfig, readDatabaseConfigFiles } from './config-db';
import { parseDsn } from './dsn';
import { loadInstallation } from './installation';

const PG_SOCKET_DIR = '/var/run/postgresql';
const MYSQL_SOCKET = '/run/mysqld/mysqld.sock';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const activeConfig = (dataSource: string, driver: string) => JSON.stringify({
  SqlSettings: { DriverName: driver, DataSource: dataSource },
  FileSettings: { DriverName: 'local', Directory: './data/' },
  PluginSettings: { Directory: './plugins', ClientDirectory: './client/plugins', Plugins: { 'backup-dr': { schedule: '0 3 * * *' } } },
});

const uniqueName = () => `mmb_cfg_${randomBytes(6).toString('hex')}`;

async function rejection(promise: Promise<unknown>): Promise<MmBackupError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MmBackupError);
  expect((err as MmBackupError).exitCode).toBe(2);
  expect((err as MmBackupError).step).toBe('read-config');
  return err as MmBackupError;
}

afterEach(() => clearSecretsForTests());

describe('PostgreSQL config store', () => {
  const name = uniqueName();
  const dsn = `postgres://postgres@127.0.0.1:5432/${name}?sslmode=disable`;
  let db: Client;

  beforeAll(async () => {
    const admin = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    db = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: name });
    await db.connect();
    await db.query(`CREATE TABLE configurations (id VARCHAR(26) PRIMARY KEY, value TEXT NOT NULL, createat BIGINT NOT NULL, active BOOLEAN NULL UNIQUE)`);
    await db.query(`CREATE TABLE configurationfiles (name VARCHAR(64) PRIMARY KEY, data TEXT NOT NULL, createat BIGINT NOT NULL, updateat BIGINT NOT NULL)`);
    await db.query(`INSERT INTO configurations VALUES ('old', $1, 1000, NULL), ('current', $2, 2000, TRUE)`, [
      activeConfig('postgres://mmuser:old-pass@olddb/mattermost', 'postgres'),
      activeConfig('postgres://mmuser:app-db-pass@appdb:5432/mattermost?sslmode=disable', 'postgres'),
    ]);
    await db.query(`INSERT INTO configurationfiles VALUES ('saml-idp.crt', $1, 1500, 1600), ('ldap.key', 'key-data', 1700, 1800)`, [CERT]);
  });

  afterAll(async () => {
    await db?.end();
    const admin = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  test('loadInstallation reads the active row and applies overrides; install dir from MM_INSTALL_DIR', async () => {
    const inst = await loadInstallation({ env: { MM_CONFIG: dsn, MM_INSTALL_DIR: '/srv/mattermost', MM_FILESETTINGS_DIRECTORY: 'files' } });
    expect(inst.configSource).toEqual({ kind: 'database', connection: parseDsn(dsn) });
    expect(inst.configDir).toBeUndefined();
    expect(inst.installDir).toBe('/srv/mattermost');
    expect(inst.database).toMatchObject({ driver: 'postgres', host: 'appdb', user: 'mmuser', password: 'app-db-pass', database: 'mattermost' });
    expect(inst.fileStore).toEqual({ driver: 'local', directory: '/srv/mattermost/files' });
    expect(inst.pluginDirs.server).toBe('/srv/mattermost/plugins');
    expect(inst.config.PluginSettings.Plugins['backup-dr']).toEqual({ schedule: '0 3 * * *' });
    expect(inst.unmatchedEnv).toEqual({ MM_CONFIG: dsn, MM_INSTALL_DIR: '/srv/mattermost' });
  });

  test('an explicit source and install dir win over the environment', async () => {
    const inst = await loadInstallation({ source: `postgresql://postgres@localhost/${name}`, env: { MM_CONFIG: '/nowhere.json' }, installDir: '/opt/mm' });
    expect(inst.configSource.kind).toBe('database');
    expect(inst.installDir).toBe('/opt/mm');
  });

  (existsSync(`${PG_SOCKET_DIR}/.s.PGSQL.5432`) ? test : test.skip)('reads through the Unix socket', async () => {
    const conn = parseDsn(`postgres://postgres@%2Fvar%2Frun%2Fpostgresql/${name}`);
    expect(conn.socket).toBe(true);
    expect(JSON.parse(await readActiveDatabaseConfig(conn)).SqlSettings.DataSource).toContain('appdb');
  });

  test('readDatabaseConfigFiles returns every file as bytes with its times', async () => {
    const files = await readDatabaseConfigFiles(parseDsn(dsn));
    expect(files).toEqual([
      { name: 'ldap.key', data: Buffer.from('key-data'), createAt: 1700, updateAt: 1800 },
      { name: 'saml-idp.crt', data: Buffer.from(CERT), createAt: 1500, updateAt: 1600 },
    ]);
  });

  test('no active row, and no tables at all', async () => {
    await db.query(`UPDATE configurations SET active = NULL`);
    try {
      const e = await rejection(loadInstallation({ source: dsn, env: {} }));
      expect(e.code).toBe('CONFIG_NO_ACTIVE_ROW');
      expect(e.message).toContain(`postgres://postgres@127.0.0.1:5432/${name}`);
    } finally {
      await db.query(`UPDATE configurations SET active = TRUE WHERE id = 'current'`);
    }
    const other = uniqueName();
    const admin = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${other}`);
      const conn = parseDsn(`postgres://postgres@127.0.0.1/${other}`);
      expect((await rejection(readActiveDatabaseConfig(conn))).code).toBe('CONFIG_TABLE_MISSING');
      expect(await readDatabaseConfigFiles(conn)).toEqual([]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${other} WITH (FORCE)`);
      await admin.end();
    }
  });

  test('a user who may not read the table gets CONFIG_DB_QUERY_FAILED', async () => {
    const role = uniqueName();
    await db.query(`CREATE ROLE ${role} LOGIN`);
    try {
      const e = await rejection(readActiveDatabaseConfig(parseDsn(`postgres://${role}@127.0.0.1/${name}`)));
      expect(e.code).toBe('CONFIG_DB_QUERY_FAILED');
      expect(e.message).toMatch(/permission denied/);
    } finally {
      await db.query(`DROP ROLE ${role}`);
    }
  });

  test('a database that does not exist', async () => {
    const e = await rejection(loadInstallation({ source: `postgres://postgres@127.0.0.1/${uniqueName()}_absent`, env: {} }));
    expect(e.code).toBe('CONFIG_DB_NOT_FOUND');
  });
});

describe('MariaDB config store', () => {
  const name = uniqueName();
  const goDsn = `root@tcp(127.0.0.1:3306)/${name}?charset=utf8mb4,utf8&readTimeout=30s`;
  const admin = () => mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });

  beforeAll(async () => {
    const db = await admin();
    try {
      await db.query(`CREATE DATABASE \`${name}\``);
      await db.query(`USE \`${name}\``);
      await db.query(`CREATE TABLE Configurations (Id VARCHAR(26) NOT NULL, Value MEDIUMTEXT NOT NULL, CreateAt BIGINT NOT NULL, Active TINYINT(1) NULL, PRIMARY KEY (Id), UNIQUE KEY (Active))`);
      await db.query(`CREATE TABLE ConfigurationFiles (Name VARCHAR(64) NOT NULL, Data MEDIUMTEXT NOT NULL, CreateAt BIGINT NOT NULL, UpdateAt BIGINT NOT NULL, PRIMARY KEY (Name))`);
      await db.query(`INSERT INTO Configurations VALUES ('old', ?, 1000, NULL), ('current', ?, 2000, 1)`, [
        activeConfig('mmuser:old@tcp(olddb)/mattermost', 'mysql'),
        activeConfig('mmuser:my@pp:pass@tcp(appdb:3306)/mattermost?charset=utf8mb4,utf8', 'mysql'),
      ]);
      await db.query(`INSERT INTO ConfigurationFiles VALUES ('saml-idp.crt', ?, 1500, 1600)`, [CERT]);
    } finally {
      await db.end();
    }
  });

  afterAll(async () => {
    const db = await admin();
    await db.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await db.end();
  });

  test.each([
    ['a Go DSN', () => goDsn],
    ['mysql:// with a Go DSN (MM_CONFIG form)', () => `mysql://${goDsn}`],
    ['a mysql:// URL', () => `mysql://root@127.0.0.1:3306/${name}`],
  ])('loadInstallation from %s', async (_form, source) => {
    const inst = await loadInstallation({ source: source(), env: { MM_SQLSETTINGS_DRIVERNAME: 'mysql' } });
    expect(inst.configSource.kind).toBe('database');
    expect(inst.installDir).toBe('/opt/mattermost');
    expect(inst.database).toMatchObject({ driver: 'mysql', host: 'appdb', port: 3306, user: 'mmuser', password: 'my@pp:pass', database: 'mattermost' });
    expect(inst.fileStore).toEqual({ driver: 'local', directory: '/opt/mattermost/data' });
  });

  (existsSync(MYSQL_SOCKET) ? test : test.skip)('reads through the Unix socket', async () => {
    const conn = parseDsn(`root@unix(${MYSQL_SOCKET})/${name}`);
    expect(JSON.parse(await readActiveDatabaseConfig(conn)).SqlSettings.DriverName).toBe('mysql');
  });

  test('readDatabaseConfigFiles returns the CamelCase table rows as bytes', async () => {
    expect(await readDatabaseConfigFiles(parseDsn(goDsn))).toEqual([
      { name: 'saml-idp.crt', data: Buffer.from(CERT), createAt: 1500, updateAt: 1600 },
    ]);
  });

  test('a wrong password fails as authentication, without the password in the text', async () => {
    const e = await rejection(loadInstallation({ source: `root:wrong-secret-pw@tcp(127.0.0.1:3306)/${name}`, env: {} }));
    expect(e.code).toBe('CONFIG_DB_AUTH_FAILED');
    expect(e.message).toContain('mysql://root@127.0.0.1:3306');
    expect(`${e.message} ${e.fix}`).not.toContain('wrong-secret-pw');
  });

  test('no active row', async () => {
    const db = await admin();
    try {
      await db.query(`UPDATE \`${name}\`.Configurations SET Active = NULL`);
      expect((await rejection(readActiveDatabaseConfig(parseDsn(goDsn)))).code).toBe('CONFIG_NO_ACTIVE_ROW');
    } finally {
      await db.query(`UPDATE \`${name}\`.Configurations SET Active = 1 WHERE Id = 'current'`);
      await db.end();
    }
  });

  test('an unreachable server names host and port', async () => {
    const e = await rejection(readActiveDatabaseConfig(parseDsn('mmuser:unreach-pass@tcp(127.0.0.1:1)/mattermost?timeout=3s')));
    expect(e.code).toBe('CONFIG_DB_UNREACHABLE');
    expect(e.message).toContain('127.0.0.1:1');
    expect(e.message).not.toContain('unreach-pass');
  });
});
