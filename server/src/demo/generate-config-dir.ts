/**
 * Writes a Mattermost config directory: a realistic config.json and, beside it, the SAML and LDAP certificate
 * and key files that SamlSettings / LdapSettings name by file name. Backups must capture all of them, and a
 * restore onto a new server must rewrite the locations in config.json: the generator makes both testable.
 *
 * config.json carries secrets where Mattermost has them (DataSource password, SMTP password, salts) so that
 * redaction can be checked against it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ConfigDirOptions {
  /** SqlSettings.DataSource: a postgres:// URL or a go-sql-driver MySQL DSN. */
  dataSource: string;
  /** SqlSettings.DriverName; inferred from dataSource when omitted. */
  driverName?: 'postgres' | 'mysql';
  /** FileSettings.Directory; default './data/' (relative to the install dir, like Mattermost's default). */
  fileDirectory?: string;
  /** PluginSettings.Directory; default './plugins'. */
  pluginDirectory?: string;
  /** PluginSettings.ClientDirectory; default './client/plugins'. */
  clientPluginDirectory?: string;
  /** ServiceSettings.SiteURL; default 'http://localhost:8065'. */
  siteUrl?: string;
  /** Plugin settings stored under PluginSettings.Plugins["backup-dr"]; default {}. */
  backupPluginSettings?: Record<string, unknown>;
  /** Deep-merged over the generated config (objects merge, everything else replaces). */
  overrides?: Record<string, unknown>;
}

export interface GeneratedConfigDir {
  /** Absolute path of config.json. */
  configFile: string;
  /** Absolute paths of every file written, config.json first. */
  files: string[];
  /** The config as written. */
  config: Record<string, any>;
}

function deepMerge(base: Record<string, any>, over: Record<string, unknown>): Record<string, any> {
  const out: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[key] = isObject(value) && isObject(base[key]) ? deepMerge(base[key], value as Record<string, unknown>) : value;
  }
  return out;
}

function buildConfig(opts: ConfigDirOptions): Record<string, any> {
  const driverName = opts.driverName ?? (/^postgres(ql)?:\/\//.test(opts.dataSource) ? 'postgres' : 'mysql');
  const salt = () => randomBytes(24).toString('base64url');
  return {
    ServiceSettings: {
      SiteURL: opts.siteUrl ?? 'http://localhost:8065', ListenAddress: ':8065', ConnectionSecurity: '',
      EnableCommands: true, EnablePostIconOverride: false, AllowedUntrustedInternalConnections: '',
      EnableLocalMode: false, LocalModeSocketLocation: '/var/tmp/mattermost_local.socket', EnableDeveloper: false,
    },
    TeamSettings: { SiteName: 'Mattermost (demo)', MaxUsersPerTeam: 50, EnableOpenServer: false },
    SqlSettings: {
      DriverName: driverName, DataSource: opts.dataSource, DataSourceReplicas: [], DataSourceSearchReplicas: [],
      MaxIdleConns: 20, ConnMaxLifetimeMilliseconds: 3600000, MaxOpenConns: 300, Trace: false,
      AtRestEncryptKey: salt(), QueryTimeout: 30, DisableDatabaseSearch: false,
    },
    LogSettings: { EnableConsole: true, ConsoleLevel: 'INFO', EnableFile: true, FileLevel: 'INFO', FileLocation: '' },
    FileSettings: {
      EnableFileAttachments: true, EnableMobileUpload: true, EnableMobileDownload: true, MaxFileSize: 104857600,
      DriverName: 'local', Directory: opts.fileDirectory ?? './data/', EnablePublicLink: false, PublicLinkSalt: salt(),
      InitialFont: 'nunito-bold.ttf', AmazonS3AccessKeyId: '', AmazonS3SecretAccessKey: '', AmazonS3Bucket: '',
      AmazonS3PathPrefix: '', AmazonS3Region: '', AmazonS3Endpoint: 's3.amazonaws.com', AmazonS3SSL: true,
    },
    EmailSettings: {
      EnableSignUpWithEmail: true, SendEmailNotifications: true, FeedbackEmail: 'noreply@example.com',
      SMTPServer: 'smtp.example.com', SMTPPort: '587', SMTPUsername: 'mattermost', SMTPPassword: 'demo-smtp-password',
      ConnectionSecurity: 'STARTTLS', InviteSalt: salt(),
    },
    PluginSettings: {
      Enable: true, EnableUploads: true, Directory: opts.pluginDirectory ?? './plugins',
      ClientDirectory: opts.clientPluginDirectory ?? './client/plugins',
      Plugins: { 'backup-dr': opts.backupPluginSettings ?? {} },
      PluginStates: { 'backup-dr': { Enable: true }, 'com.example.demo': { Enable: true } },
    },
    SamlSettings: {
      Enable: false, Verify: true, Encrypt: true, IdpURL: 'https://idp.example.com/sso', IdpDescriptorURL: 'https://idp.example.com/metadata',
      IdpCertificateFile: 'saml-idp.crt', PublicCertificateFile: 'saml-public.crt', PrivateKeyFile: 'saml-private.key',
      EmailAttribute: 'Email', UsernameAttribute: 'Username',
    },
    LdapSettings: {
      Enable: false, LdapServer: 'ldap.example.com', LdapPort: 636, ConnectionSecurity: 'TLS', BaseDN: 'dc=example,dc=com',
      BindUsername: 'cn=mattermost,dc=example,dc=com', BindPassword: 'demo-ldap-password',
      PublicCertificateFile: 'ldap-public.crt', PrivateKeyFile: '',
    },
  };
}

/**
 * PEM text that looks like a certificate: the armor around a real public key's DER. Node cannot issue X.509
 * certificates; nothing in mmbackup parses these, it only has to carry them byte for byte.
 */
function pemCertificateLike(publicKeyDer: Buffer): string {
  const body = publicKeyDer.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

function keyFiles(): Array<[name: string, content: string, mode: number]> {
  const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sp = pair();
  const cert = (key: ReturnType<typeof pair>['publicKey']) => pemCertificateLike(key.export({ type: 'spki', format: 'der' }));
  return [
    ['saml-idp.crt', cert(pair().publicKey), 0o644],
    ['saml-public.crt', cert(sp.publicKey), 0o644],
    ['saml-private.key', sp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600],
    ['ldap-public.crt', cert(pair().publicKey), 0o644],
  ];
}

/**
 * Creates `configDir` if needed and writes config.json (mode 0600, as Mattermost writes it) and the
 * certificate files. Existing files of the same names are replaced. Keys are fresh on every call.
 */
export async function generateConfigDir(configDir: string, opts: ConfigDirOptions): Promise<GeneratedConfigDir> {
  await mkdir(configDir, { recursive: true });
  const config = deepMerge(buildConfig(opts), opts.overrides ?? {});
  const configFile = join(configDir, 'config.json');
  const written: Array<[string, string, number]> = [[configFile, `${JSON.stringify(config, null, 2)}\n`, 0o600],
    ...keyFiles().map(([name, content, mode]): [string, string, number] => [join(configDir, name), content, mode])];
  for (const [path, content, mode] of written) {
    await writeFile(path, content);
    await chmod(path, mode);
  }
  return { configFile, files: written.map(([path]) => path), config };
}
