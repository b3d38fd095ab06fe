import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MmBackupError } from '../common/errors';
import { clearSecretsForTests, redact } from '../common/redact';
import { DEFAULT_CONFIG_PATH, loadInstallation } from './installation';

const PASSWORD = 'file-db-pass';

function sampleConfig(overrides: Record<string, any> = {}): Record<string, any> {
  return {
    ServiceSettings: { SiteURL: 'https://chat.example.com' },
    SqlSettings: { DriverName: 'postgres', DataSource: `postgres://mmuser:${PASSWORD}@db.internal:5432/mattermost?sslmode=disable&connect_timeout=10` },
    FileSettings: { DriverName: 'local', Directory: './data/' },
    PluginSettings: { Directory: './plugins', ClientDirectory: './client/plugins' },
    ...overrides,
  };
}

let root: string;
let installDir: string;
let configFile: string;

async function writeConfig(config: unknown): Promise<void> {
  await fs.writeFile(configFile, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
}

/** The MmBackupError a promise rejects with; fails the test when it resolves. */
async function failure(promise: Promise<unknown>): Promise<MmBackupError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(MmBackupError);
    const e = err as MmBackupError;
    expect(e.step).toBe('read-config');
    expect(e.exitCode).toBe(2);
    expect(`${e.message}\n${e.fix}`).not.toContain(PASSWORD);
    return e;
  }
  throw new Error('expected loadInstallation to fail');
}

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-installation-'));
  installDir = path.join(root, 'mattermost');
  await fs.mkdir(path.join(installDir, 'config'), { recursive: true });
  configFile = path.join(installDir, 'config', 'config.json');
});

afterEach(async () => {
  clearSecretsForTests();
  jest.restoreAllMocks();
  await fs.rm(root, { recursive: true, force: true });
});

describe('loadInstallation from config.json', () => {
  test('resolves relative directories against the install dir, not the current directory', async () => {
    await writeConfig(sampleConfig());
    const elsewhere = path.join(root, 'elsewhere');
    await fs.mkdir(elsewhere);
    const cwd = process.cwd();
    process.chdir(elsewhere);
    try {
      const inst = await loadInstallation({ source: path.relative(elsewhere, configFile), env: {} });
      expect(inst.configSource).toEqual({ kind: 'file', path: configFile });
      expect(inst.configDir).toBe(path.join(installDir, 'config'));
      expect(inst.installDir).toBe(installDir);
      expect(inst.fileStore).toEqual({ driver: 'local', directory: path.join(installDir, 'data') });
      expect(inst.pluginDirs).toEqual({ server: path.join(installDir, 'plugins'), client: path.join(installDir, 'client', 'plugins') });
      expect(inst.database).toEqual({
        driver: 'postgres', host: 'db.internal', port: 5432, user: 'mmuser', password: PASSWORD, database: 'mattermost',
        params: { sslmode: 'disable', connect_timeout: '10' },
      });
      expect(inst.envOverrides).toEqual({});
      expect(redact(`connecting with ${PASSWORD}`)).toBe('connecting with ***');
    } finally {
      process.chdir(cwd);
    }
  });

  test('uses defaults for missing FileSettings and PluginSettings, and an explicit install dir', async () => {
    await writeConfig({ SqlSettings: { DataSource: 'postgres://mmuser@db/mm' } });
    const inst = await loadInstallation({ source: configFile, env: {}, installDir: '/srv/mm' });
    expect(inst.installDir).toBe('/srv/mm');
    expect(inst.fileStore).toEqual({ driver: 'local', directory: '/srv/mm/data' });
    expect(inst.pluginDirs).toEqual({ server: '/srv/mm/plugins', client: '/srv/mm/client/plugins' });
    expect(inst.database.driver).toBe('postgres');
  });

  test('applies MM_* overrides and keeps the unmatched MM_* variables', async () => {
    await writeConfig(sampleConfig());
    const env = {
      MM_CONFIG: configFile,
      MM_SQLSETTINGS_DRIVERNAME: 'mysql',
      MM_SQLSETTINGS_DATASOURCE: 'mmuser:env-pass@tcp(mysql.internal:3306)/mattermost?charset=utf8mb4,utf8',
      MM_FILESETTINGS_DIRECTORY: 'files/',
      MM_PLUGINSETTINGS_DIRECTORY: '/var/lib/mattermost/plugins',
      MM_SERVICEENVIRONMENT: 'production',
      HOME: '/root',
    };
    const inst = await loadInstallation({ env });
    expect(inst.configSource).toEqual({ kind: 'file', path: configFile });
    expect(inst.database).toMatchObject({ driver: 'mysql', host: 'mysql.internal', user: 'mmuser', password: 'env-pass', database: 'mattermost' });
    expect(inst.fileStore).toEqual({ driver: 'local', directory: path.join(installDir, 'files') });
    expect(inst.pluginDirs.server).toBe('/var/lib/mattermost/plugins');
    expect(Object.keys(inst.envOverrides).sort()).toEqual([
      'MM_FILESETTINGS_DIRECTORY', 'MM_PLUGINSETTINGS_DIRECTORY', 'MM_SQLSETTINGS_DATASOURCE', 'MM_SQLSETTINGS_DRIVERNAME',
    ]);
    expect(inst.envSettings?.MM_SQLSETTINGS_DATASOURCE).toBe('SqlSettings.DataSource');
    expect(inst.unmatchedEnv).toEqual({ MM_CONFIG: configFile, MM_SERVICEENVIRONMENT: 'production' });
    expect(inst.config.SqlSettings.DriverName).toBe('mysql');
    expect(inst.config.ServiceSettings.SiteURL).toBe('https://chat.example.com');
  });

  test('reads an S3 file store and registers its secret key', async () => {
    await writeConfig(sampleConfig({
      FileSettings: {
        DriverName: 'amazons3', AmazonS3Bucket: 'mm-files', AmazonS3PathPrefix: 'prod/', AmazonS3Region: 'eu-west-1',
        AmazonS3Endpoint: 'minio.internal:9000', AmazonS3SSL: false, AmazonS3AccessKeyId: 'AKIAEXAMPLE', AmazonS3SecretAccessKey: 's3-secret-key',
      },
    }));
    const inst = await loadInstallation({ source: configFile, env: {} });
    expect(inst.fileStore).toEqual({
      driver: 'amazons3', bucket: 'mm-files', pathPrefix: 'prod/', endpoint: 'minio.internal:9000', region: 'eu-west-1', ssl: false,
      accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 's3-secret-key',
    });
    expect(redact('key s3-secret-key')).toBe('key ***');
  });

  test('S3 defaults follow Mattermost: s3.amazonaws.com with SSL', async () => {
    await writeConfig(sampleConfig({ FileSettings: { DriverName: 'amazons3', AmazonS3Bucket: 'b' } }));
    const inst = await loadInstallation({ source: configFile, env: {} });
    expect(inst.fileStore).toEqual({ driver: 'amazons3', bucket: 'b', pathPrefix: '', endpoint: 's3.amazonaws.com', region: '', ssl: true });
  });
});

describe('loadInstallation errors', () => {
  test('missing file names the path and the options', async () => {
    const missing = path.join(root, 'nope', 'config.json');
    const e = await failure(loadInstallation({ source: missing, env: {} }));
    expect(e.code).toBe('CONFIG_NOT_FOUND');
    expect(e.message).toContain(missing);
    expect(e.message).toContain('--mattermost-config');
    expect(e.fix).toMatch(/--mattermost-config/);
    expect(e.fix).toMatch(/MM_CONFIG/);
  });

  test('the default path is used without a source or MM_CONFIG', async () => {
    const e = await failure(loadInstallation({ env: {} }));
    if (fsSync.existsSync(DEFAULT_CONFIG_PATH)) return; // a real Mattermost host: nothing to assert
    expect(e.code).toBe('CONFIG_NOT_FOUND');
    expect(e.message).toContain(`${DEFAULT_CONFIG_PATH} (the default location)`);
  });

  test('MM_CONFIG is named when it points nowhere', async () => {
    const e = await failure(loadInstallation({ env: { MM_CONFIG: path.join(root, 'x.json') } }));
    expect(e.message).toContain('(MM_CONFIG)');
  });

  test('unreadable file says to run as the mattermost user or root', async () => {
    await writeConfig(sampleConfig());
    if (process.getuid?.() === 0) {
      // root reads any file, so the permission error is simulated for this one call.
      const denied = Object.assign(new Error(`EACCES: permission denied, open '${configFile}'`), { code: 'EACCES' });
      jest.spyOn(fsSync.promises, 'readFile').mockRejectedValueOnce(denied);
    } else {
      await fs.chmod(configFile, 0o000);
    }
    const e = await failure(loadInstallation({ source: configFile, env: {} }));
    expect(e.code).toBe('CONFIG_UNREADABLE');
    expect(e.message).toContain(configFile);
    expect(e.fix).toMatch(/mattermost user.*root/);
  });

  test('a directory instead of a file', async () => {
    const e = await failure(loadInstallation({ source: path.join(installDir, 'config'), env: {} }));
    expect(e.code).toBe('CONFIG_NOT_A_FILE');
    expect(e.fix).toContain(configFile);
  });

  test('invalid JSON names the line and column but quotes nothing', async () => {
    await writeConfig(`{\n  "SqlSettings": {\n    "DataSource": "postgres://mmuser:${PASSWORD}@db/mm" "DriverName": "postgres"\n  }\n}\n`);
    const e = await failure(loadInstallation({ source: configFile, env: {} }));
    expect(e.code).toBe('CONFIG_INVALID_JSON');
    expect(e.message).toBe(`${configFile} is not valid JSON: a syntax error at line 3, column 58`);
  });

  test.each([
    ['a truncated file', '{\n  "SqlSettings": {', /ends too early \(line 2, column 19\)/],
    ['an empty file', '', /it is empty/],
    ['an unexpected token', `{"a": [1, 2,], "p": "${PASSWORD}"}`, /syntax error at line 1, column 13/],
    ['a JSON array', '[]', /does not hold a JSON object/],
  ])('invalid JSON: %s', async (_name, text, message) => {
    await writeConfig(text);
    const e = await failure(loadInstallation({ source: configFile, env: {} }));
    expect(e.code).toBe('CONFIG_INVALID_JSON');
    expect(e.message).toMatch(message);
  });

  test('missing SqlSettings.DataSource', async () => {
    await writeConfig(sampleConfig({ SqlSettings: { DriverName: 'postgres' } }));
    const e = await failure(loadInstallation({ source: configFile, env: {} }));
    expect(e.code).toBe('CONFIG_NO_DATASOURCE');
    expect(e.message).toContain(`SqlSettings.DataSource in ${configFile}`);
  });

  test('unsupported driver names the value and the supported ones', async () => {
    await writeConfig(sampleConfig({ SqlSettings: { DriverName: 'sqlserver', DataSource: 'x' } }));
    const e = await failure(loadInstallation({ source: configFile, env: {} }));
    expect(e.code).toBe('CONFIG_UNSUPPORTED_DRIVER');
    expect(e.message).toMatch(/"sqlserver"/);
    expect(e.message).toMatch(/"postgres" and "mysql"/);
  });

  test('a driver override is named as the environment variable', async () => {
    await writeConfig(sampleConfig());
    const e = await failure(loadInstallation({ source: configFile, env: { MM_SQLSETTINGS_DRIVERNAME: 'oracle' } }));
    expect(e.code).toBe('CONFIG_UNSUPPORTED_DRIVER');
    expect(e.message).toMatch(/^MM_SQLSETTINGS_DRIVERNAME \(environment\) is "oracle"/);
  });

  test('a bad DataSource names the setting and file, never the password', async () => {
    await writeConfig(sampleConfig({ SqlSettings: { DriverName: 'postgres', DataSource: `postgres://mmuser:${PASSWORD}/x@db/mm` } }));
    const e = await failure(loadInstallation({ source: configFile, env: {} }));
    expect(e.code).toBe('BAD_DSN');
    expect(e.message).toContain(`SqlSettings.DataSource in ${configFile} is not a usable database address`);
  });

  test('a bad DataSource override names the variable', async () => {
    await writeConfig(sampleConfig());
    const e = await failure(loadInstallation({ source: configFile, env: { MM_SQLSETTINGS_DATASOURCE: `sqlserver://sa:${PASSWORD}@db/mm` } }));
    expect(e.code).toBe('BAD_DSN');
    expect(e.message).toMatch(/^MM_SQLSETTINGS_DATASOURCE \(environment\) is not a usable database address/);
  });

  test('DriverName and DataSource of different kinds', async () => {
    await writeConfig(sampleConfig({ SqlSettings: { DriverName: 'mysql', DataSource: `postgres://mmuser:${PASSWORD}@db/mm` } }));
    const e = await failure(loadInstallation({ source: configFile, env: {} }));
    expect(e.code).toBe('CONFIG_DRIVER_MISMATCH');
  });

  test('unsupported file store driver and S3 without a bucket', async () => {
    await writeConfig(sampleConfig({ FileSettings: { DriverName: 'azure' } }));
    expect((await failure(loadInstallation({ source: configFile, env: {} }))).code).toBe('CONFIG_UNSUPPORTED_FILE_DRIVER');
    await writeConfig(sampleConfig({ FileSettings: { DriverName: 'amazons3' } }));
    expect((await failure(loadInstallation({ source: configFile, env: {} }))).code).toBe('CONFIG_NO_S3_BUCKET');
  });

  test('a config database that cannot be reached names host and port, not the password', async () => {
    const e = await failure(loadInstallation({ source: `postgres://mmuser:${PASSWORD}@127.0.0.1:1/mattermost?connect_timeout=3`, env: {} }));
    expect(e.code).toBe('CONFIG_DB_UNREACHABLE');
    expect(e.message).toContain('127.0.0.1:1');
    expect(e.fix).toContain('127.0.0.1:1');
  });
});
