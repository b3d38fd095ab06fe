import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateConfigDir } from './generate-config-dir';
import { mattermostDataSource, parseServerUrl } from './db-endpoint';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmb-demo-config-'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

test('writes config.json with the database, file store and plugin settings', async () => {
  const dataSource = 'postgres://mmuser:s3cret@127.0.0.1:5432/mattermost?sslmode=disable&connect_timeout=10';
  const out = await generateConfigDir(dir, { dataSource, backupPluginSettings: { Schedule: '0 3 * * *' }, overrides: { TeamSettings: { SiteName: 'X' } } });
  const config = JSON.parse(await readFile(out.configFile, 'utf8'));
  expect(config.SqlSettings).toMatchObject({ DriverName: 'postgres', DataSource: dataSource });
  expect(config.FileSettings).toMatchObject({ DriverName: 'local', Directory: './data/' });
  expect(config.PluginSettings).toMatchObject({ Directory: './plugins', ClientDirectory: './client/plugins' });
  expect(config.PluginSettings.Plugins['backup-dr']).toEqual({ Schedule: '0 3 * * *' });
  expect(config.TeamSettings).toMatchObject({ SiteName: 'X', MaxUsersPerTeam: 50 });
  expect(config.ServiceSettings.SiteURL).toBe('http://localhost:8065');
  expect((await stat(out.configFile)).mode & 0o777).toBe(0o600);
});

test('writes the SAML and LDAP files config.json names, the private key 0600', async () => {
  const out = await generateConfigDir(dir, { dataSource: 'root:pw@tcp(127.0.0.1:3306)/mm?charset=utf8mb4,utf8' });
  expect(out.config.SqlSettings.DriverName).toBe('mysql');
  const { SamlSettings: saml, LdapSettings: ldap } = out.config;
  for (const name of [saml.IdpCertificateFile, saml.PublicCertificateFile, ldap.PublicCertificateFile]) {
    expect(await readFile(join(dir, name), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/);
  }
  const key = join(dir, saml.PrivateKeyFile);
  expect(createPrivateKey(await readFile(key, 'utf8')).asymmetricKeyType).toBe('rsa');
  expect((await stat(key)).mode & 0o777).toBe(0o600);
  expect(out.files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(
    ['config.json', 'ldap-public.crt', 'saml-idp.crt', 'saml-private.key', 'saml-public.crt']);
});

test('spells DataSource the way Mattermost reads it, from a parsed server URL', () => {
  const server = parseServerUrl('postgres://postgres:p%40ss@db.example.com:6543/postgres');
  expect(server).toMatchObject({ driver: 'postgres', host: 'db.example.com', port: 6543, user: 'postgres', password: 'p@ss' });
  expect(mattermostDataSource('postgres', { ...server, database: 'mm' }))
    .toBe('postgres://postgres:p%40ss@db.example.com:6543/mm?sslmode=disable&connect_timeout=10');
  expect(mattermostDataSource('mysql', { host: '127.0.0.1', port: 3306, user: 'root', password: 'p@ss', database: 'mm' }))
    .toBe('root:p@ss@tcp(127.0.0.1:3306)/mm?charset=utf8mb4,utf8&writeTimeout=30s');
  expect(parseServerUrl('mysql://root@127.0.0.1')).toMatchObject({ driver: 'mysql', port: 3306, user: 'root', database: undefined });
});
