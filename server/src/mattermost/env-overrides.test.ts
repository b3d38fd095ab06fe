import { clearSecretsForTests, redact } from '../common/redact';
import { applyEnvOverrides } from './env-overrides';

afterEach(() => clearSecretsForTests());

const base = () => ({
  ServiceSettings: { SiteURL: 'https://old', ListenAddress: ':8065', EnableDeveloper: false, MaximumLoginAttempts: 10, AllowCorsFrom: '' },
  SqlSettings: { DriverName: 'postgres', DataSource: 'postgres://mmuser:filepw@db/mm', DataSourceReplicas: [] as string[], MaxIdleConns: 20 },
  FileSettings: { DriverName: 'local', Directory: './data/', AmazonS3PathPrefix: '', AmazonS3SSL: true },
  PluginSettings: { Enable: true, Directory: './plugins', Plugins: { 'com.example': { a: 1 } }, PluginStates: {} },
  NullSetting: { Value: null },
});

describe('applyEnvOverrides', () => {
  test('maps MM_<SECTION>_<KEY> case-insensitively onto existing keys and records what it set', () => {
    const config = base();
    const result = applyEnvOverrides(config, {
      MM_SQLSETTINGS_DATASOURCE: 'postgres://mmuser:envpw@envdb/mm',
      MM_FILESETTINGS_DIRECTORY: '/srv/mattermost/data/',
      MM_FILESETTINGS_AMAZONS3PATHPREFIX: 'prefix/',
      mm_servicesettings_siteurl: 'https://chat.example.com',
      PATH: '/usr/bin',
    });
    expect(result.config.SqlSettings.DataSource).toBe('postgres://mmuser:envpw@envdb/mm');
    expect(result.config.FileSettings.Directory).toBe('/srv/mattermost/data/');
    expect(result.config.FileSettings.AmazonS3PathPrefix).toBe('prefix/');
    expect(result.config.ServiceSettings.SiteURL).toBe('https://chat.example.com');
    expect(result.settings).toEqual({
      MM_FILESETTINGS_AMAZONS3PATHPREFIX: 'FileSettings.AmazonS3PathPrefix',
      MM_FILESETTINGS_DIRECTORY: 'FileSettings.Directory',
      MM_SQLSETTINGS_DATASOURCE: 'SqlSettings.DataSource',
      mm_servicesettings_siteurl: 'ServiceSettings.SiteURL',
    });
    expect(Object.keys(result.applied).sort()).toEqual(Object.keys(result.settings).sort());
    expect(result.unmatched).toEqual({});
    // The input is not changed.
    expect(config.SqlSettings.DataSource).toBe('postgres://mmuser:filepw@db/mm');
  });

  test('converts to the type of the existing value, as Go does', () => {
    const result = applyEnvOverrides(base(), {
      MM_SERVICESETTINGS_ENABLEDEVELOPER: 'true',
      MM_FILESETTINGS_AMAZONS3SSL: 'F',
      MM_SERVICESETTINGS_MAXIMUMLOGINATTEMPTS: '-3',
      MM_SQLSETTINGS_MAXIDLECONNS: '+7',
      MM_SQLSETTINGS_DATASOURCEREPLICAS: 'postgres://r1/mm postgres://r2/mm',
      MM_PLUGINSETTINGS_ENABLE: '0',
    });
    expect(result.config.ServiceSettings.EnableDeveloper).toBe(true);
    expect(result.config.FileSettings.AmazonS3SSL).toBe(false);
    expect(result.config.ServiceSettings.MaximumLoginAttempts).toBe(-3);
    expect(result.config.SqlSettings.MaxIdleConns).toBe(7);
    expect(result.config.SqlSettings.DataSourceReplicas).toEqual(['postgres://r1/mm', 'postgres://r2/mm']);
    expect(result.config.PluginSettings.Enable).toBe(false);
    expect(Object.keys(result.unmatched)).toEqual([]);
  });

  test('values that do not convert are not applied but are kept as unmatched', () => {
    const result = applyEnvOverrides(base(), {
      MM_SERVICESETTINGS_ENABLEDEVELOPER: 'yes',
      MM_SERVICESETTINGS_MAXIMUMLOGINATTEMPTS: '1.5',
      MM_PLUGINSETTINGS_PLUGINSTATES: 'not json',
    });
    expect(result.config.ServiceSettings.EnableDeveloper).toBe(false);
    expect(result.config.ServiceSettings.MaximumLoginAttempts).toBe(10);
    expect(result.applied).toEqual({});
    expect(Object.keys(result.unmatched).sort()).toEqual([
      'MM_PLUGINSETTINGS_PLUGINSTATES', 'MM_SERVICESETTINGS_ENABLEDEVELOPER', 'MM_SERVICESETTINGS_MAXIMUMLOGINATTEMPTS',
    ]);
  });

  test('MM_CONFIG, MM_SERVICEENVIRONMENT, typos and bare sections are unmatched; other variables are ignored', () => {
    const result = applyEnvOverrides(base(), {
      MM_CONFIG: '/opt/mattermost/config/config.json',
      MM_SERVICEENVIRONMENT: 'production',
      MM_SQLSETTING_DATASOURCE: 'typo',
      MM_SQLSETTINGS: 'a section, not a setting',
      MM_SQLSETTINGS_NOSUCHKEY: 'x',
      MMBACKUP_PASSPHRASE: 'not ours to record',
      HOME: '/root',
    });
    expect(result.applied).toEqual({});
    expect(result.unmatched).toEqual({
      MM_CONFIG: '/opt/mattermost/config/config.json',
      MM_SERVICEENVIRONMENT: 'production',
      MM_SQLSETTING_DATASOURCE: 'typo',
      MM_SQLSETTINGS: 'a section, not a setting',
      MM_SQLSETTINGS_NOSUCHKEY: 'x',
    });
  });

  test('nested sections, Go maps set whole from JSON, and text after a leaf ignored (as in Mattermost)', () => {
    const config = { ...base(), ExperimentalSettings: { Nested: { DeepKey: 'a' } } };
    const result = applyEnvOverrides(config, {
      MM_EXPERIMENTALSETTINGS_NESTED_DEEPKEY: 'b',
      MM_PLUGINSETTINGS_PLUGINS: '{"com.other":{"x":true}}',
      MM_PLUGINSETTINGS_PLUGINSTATES_ANYTHING: '{"com.other":{"Enable":true}}',
      MM_SERVICESETTINGS_LISTENADDRESS_EXTRA: ':9000',
    });
    expect(result.config.ExperimentalSettings.Nested.DeepKey).toBe('b');
    expect(result.config.PluginSettings.Plugins).toEqual({ 'com.other': { x: true } });
    expect(result.config.PluginSettings.PluginStates).toEqual({ 'com.other': { Enable: true } });
    expect(result.config.ServiceSettings.ListenAddress).toBe(':9000');
    expect(result.settings.MM_SERVICESETTINGS_LISTENADDRESS_EXTRA).toBe('ServiceSettings.ListenAddress');
  });

  test('settings mmbackup reads apply even when the config lacks the key or section', () => {
    const result = applyEnvOverrides({ SqlSettings: {} }, {
      MM_SQLSETTINGS_DATASOURCE: 'postgres://u@h/d',
      MM_FILESETTINGS_DIRECTORY: '/data',
      MM_FILESETTINGS_AMAZONS3SSL: 'false',
      MM_PLUGINSETTINGS_CLIENTDIRECTORY: '/cp',
    });
    expect(result.config).toEqual({
      SqlSettings: { DataSource: 'postgres://u@h/d' },
      FileSettings: { Directory: '/data', AmazonS3SSL: false },
      PluginSettings: { ClientDirectory: '/cp' },
    });
  });

  test('a null setting takes the text; lists split on single spaces like strings.Split', () => {
    const result = applyEnvOverrides(base(), { MM_NULLSETTING_VALUE: '42', MM_SQLSETTINGS_DATASOURCEREPLICAS: '' });
    expect(result.config.NullSetting.Value).toBe('42');
    expect(result.config.SqlSettings.DataSourceReplicas).toEqual(['']);
  });

  test('registers secrets found in the variables', () => {
    applyEnvOverrides(base(), {
      MM_SQLSETTINGS_DATASOURCE: 'postgres://mmuser:env-db-pass@db/mm',
      MM_SQLSETTINGS_DATASOURCEREPLICAS: 'postgres://r:replica-pass@r1/mm mmuser:mysql-pass@tcp(r2)/mm',
      MM_EMAILSETTINGS_SMTPPASSWORD: 'smtp-pass',
      MM_CONFIG: 'postgres://cfg:config-pass@db/mm',
      MM_SERVICESETTINGS_SITEURL: 'https://chat.example.com',
    });
    expect(redact('env-db-pass replica-pass mysql-pass smtp-pass config-pass https://chat.example.com')).toBe(
      '*** *** *** *** *** https://chat.example.com',
    );
  });
});
