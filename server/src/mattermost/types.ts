/**
 * What the bridge learns about a Mattermost installation from its own config: where the database, the
 * config and the file store are. Produced by loadInstallation() in ./installation.ts.
 */

/** A parsed database DSN (Mattermost's SqlSettings.DataSource, or MM_CONFIG when it is a DSN). */
export interface DbConnection {
  driver: 'postgres' | 'mysql';
  /** Host name or IP; for a Unix socket: the socket directory (postgres) or the socket file path (mysql). */
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  /** Driver-specific parameters as given (sslmode, connect_timeout, charset, ...), secrets removed. */
  params: Record<string, string>;
  /** True when host is a Unix socket path. */
  socket?: boolean;
}

export type ConfigSource =
  | { kind: 'file'; path: string }
  | { kind: 'database'; connection: DbConnection };

export type FileStore =
  | { driver: 'local'; directory: string }
  | {
      driver: 'amazons3';
      bucket: string;
      pathPrefix: string;
      endpoint: string;
      region: string;
      ssl: boolean;
      accessKeyId?: string;
      secretAccessKey?: string;
    };

export interface MattermostInstallation {
  configSource: ConfigSource;
  /** The config directory (file source only): config.json and what lies beside it (SAML/LDAP certs, keys). */
  configDir?: string;
  /** Directory relative paths in the config are resolved against (parent of the config dir). */
  installDir: string;
  database: DbConnection;
  fileStore: FileStore;
  /** PluginSettings.Directory and ClientDirectory, absolute. */
  pluginDirs: { server: string; client: string };
  /** The MM_* environment variables that override the config, as Mattermost applies them. Values are secret-bearing. */
  envOverrides: Record<string, string>;
  /** For each variable of envOverrides, the setting it sets, e.g. MM_SQLSETTINGS_DATASOURCE → "SqlSettings.DataSource". */
  envSettings?: Record<string, string>;
  /**
   * The other MM_* variables (MM_CONFIG, MM_SERVICEENVIRONMENT, a misspelt setting): they set no setting but
   * are part of the host's environment, so a backup should record them too. Values are secret-bearing.
   */
  unmatchedEnv?: Record<string, string>;
  /** The effective config (file or database, with overrides applied). */
  config: Record<string, any>;
}
