/**
 * What mmbackup needs from an effective Mattermost config: the database (SqlSettings), the file store
 * (FileSettings) and the plugin directories (PluginSettings). Relative paths are resolved against the install
 * dir, never the current directory: Mattermost resolves them against its working directory, which its
 * systemd unit and Docker image set to the install dir, while mmbackup may run from anywhere.
 */
import * as path from 'node:path';
import { ExitCode, MmBackupError } from '../common/errors';
import { registerSecret } from '../common/redact';
import { parseDsn } from './dsn';
import type { DbConnection, FileStore } from './types';

const SUPPORTED_DRIVERS = ['postgres', 'mysql'] as const;
const SUPPORTED_FILE_DRIVERS = ['local', 'amazons3'] as const;

/** Names where a setting's effective value came from: the MM_* variable that set it, or the config. */
export type SettingLabel = (setting: string) => string;

function configError(code: string, message: string, fix: string): MmBackupError {
  return new MmBackupError({ step: 'read-config', code, exitCode: ExitCode.usage, message, fix });
}

/** A setting's value for a message; only used for non-secret settings such as driver names. */
function shown(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 40));
}

function section(config: Record<string, any>, name: string): Record<string, any> {
  const value = config[name];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

/**
 * The database Mattermost uses: SqlSettings.DataSource parsed for SqlSettings.DriverName (default postgres).
 * Throws CONFIG_NO_DATASOURCE, CONFIG_UNSUPPORTED_DRIVER, CONFIG_DRIVER_MISMATCH or BAD_DSN (all exit 2).
 */
export function databaseOf(config: Record<string, any>, label: SettingLabel): DbConnection {
  const sql = section(config, 'SqlSettings');
  const driver = sql.DriverName || 'postgres';
  if (!(SUPPORTED_DRIVERS as readonly string[]).includes(driver)) {
    throw configError(
      'CONFIG_UNSUPPORTED_DRIVER',
      `${label('SqlSettings.DriverName')} is ${shown(driver)}; mmbackup supports "postgres" and "mysql"`,
      'set SqlSettings.DriverName to the database Mattermost really uses ("postgres" or "mysql")',
    );
  }
  if (typeof sql.DataSource !== 'string' || sql.DataSource.trim() === '') {
    throw configError(
      'CONFIG_NO_DATASOURCE',
      `${label('SqlSettings.DataSource')} is not set, so there is no database to back up`,
      'set SqlSettings.DataSource in the config, or give mmbackup the MM_SQLSETTINGS_DATASOURCE that Mattermost runs with',
    );
  }
  const conn = parseDsn(sql.DataSource, label('SqlSettings.DataSource'));
  if (conn.driver !== driver) {
    throw configError(
      'CONFIG_DRIVER_MISMATCH',
      `${label('SqlSettings.DataSource')} is a ${conn.driver} address but ${label('SqlSettings.DriverName')} is ${shown(driver)}`,
      'make SqlSettings.DriverName and SqlSettings.DataSource name the same kind of database',
    );
  }
  return conn;
}

/** The file store: a local directory (absolute) or an S3 bucket. Registers the S3 secret key for redaction. */
export function fileStoreOf(config: Record<string, any>, installDir: string, label: SettingLabel): FileStore {
  const files = section(config, 'FileSettings');
  const driver = files.DriverName || 'local';
  if (driver === 'local') {
    // Mattermost's default is ./data/; an explicit "" means its working directory, i.e. the install dir.
    const directory = typeof files.Directory === 'string' ? files.Directory : './data/';
    return { driver: 'local', directory: path.resolve(installDir, directory) };
  }
  if (driver !== 'amazons3') {
    throw configError(
      'CONFIG_UNSUPPORTED_FILE_DRIVER',
      `${label('FileSettings.DriverName')} is ${shown(driver)}; mmbackup supports ${SUPPORTED_FILE_DRIVERS.map((d) => `"${d}"`).join(' and ')}`,
      'set FileSettings.DriverName to "local" or "amazons3"',
    );
  }
  if (!files.AmazonS3Bucket) {
    throw configError(
      'CONFIG_NO_S3_BUCKET',
      `${label('FileSettings.AmazonS3Bucket')} is not set although the file store is amazons3`,
      'set FileSettings.AmazonS3Bucket to the bucket Mattermost stores its files in',
    );
  }
  registerSecret(files.AmazonS3SecretAccessKey);
  return {
    driver: 'amazons3',
    bucket: String(files.AmazonS3Bucket),
    pathPrefix: String(files.AmazonS3PathPrefix ?? ''),
    endpoint: String(files.AmazonS3Endpoint || 's3.amazonaws.com'),
    region: String(files.AmazonS3Region ?? ''),
    ssl: files.AmazonS3SSL !== false,
    ...(files.AmazonS3AccessKeyId ? { accessKeyId: String(files.AmazonS3AccessKeyId) } : {}),
    ...(files.AmazonS3SecretAccessKey ? { secretAccessKey: String(files.AmazonS3SecretAccessKey) } : {}),
  };
}

/** PluginSettings.Directory (default ./plugins) and ClientDirectory (default ./client/plugins), absolute. */
export function pluginDirsOf(config: Record<string, any>, installDir: string): { server: string; client: string } {
  const plugins = section(config, 'PluginSettings');
  return {
    server: path.resolve(installDir, plugins.Directory || './plugins'),
    client: path.resolve(installDir, plugins.ClientDirectory || './client/plugins'),
  };
}
