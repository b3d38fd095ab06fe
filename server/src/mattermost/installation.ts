/**
 * Finds what to back up from Mattermost's own config, the way the server itself finds it: the config comes
 * from a config.json file or, when MM_CONFIG is a database DSN, from the database's Configurations table;
 * MM_* environment overrides are applied on top; and the database, file store and plugin directories are
 * read from the result.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExitCode, MmBackupError, systemCode } from '../common/errors';
import { readActiveDatabaseConfig } from './config-db';
import { describeConnection, looksLikeDsn, parseDsn } from './dsn';
import { applyEnvOverrides } from './env-overrides';
import { locateJsonError } from './json-errors';
import { databaseOf, fileStoreOf, pluginDirsOf, type SettingLabel } from './settings';
import type { ConfigSource, MattermostInstallation } from './types';

export { readActiveDatabaseConfig, readDatabaseConfigFiles, type DatabaseConfigFile } from './config-db';

export const DEFAULT_CONFIG_PATH = '/opt/mattermost/config/config.json';
export const DEFAULT_INSTALL_DIR = '/opt/mattermost';

export interface LoadInstallationOptions {
  /** A config.json path or a config database DSN (as MM_CONFIG takes it). Default: env.MM_CONFIG, else DEFAULT_CONFIG_PATH. */
  source?: string;
  /** The environment Mattermost runs with (MM_CONFIG, MM_* overrides, MM_INSTALL_DIR). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where relative paths in the config point. Default: the config dir's parent, or for a database config MM_INSTALL_DIR, else /opt/mattermost. */
  installDir?: string;
}

/** The config as stored, before overrides, and where it was read from (for messages). */
interface StoredConfig {
  configSource: ConfigSource;
  configDir?: string;
  installDir: string;
  config: Record<string, any>;
  where: string;
}

const FIX_SOURCE = 'pass --mattermost-config /path/to/config.json, or set MM_CONFIG to the config.json path or the config database DSN';

function configError(code: string, message: string, fix: string, cause?: unknown): MmBackupError {
  return new MmBackupError({ step: 'read-config', code, exitCode: ExitCode.usage, message, fix, cause });
}

/** Parses config text; a syntax error names the line and column, never the text (it may hold passwords). */
function parseConfigJson(text: string, where: string): Record<string, any> {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    const at = locateJsonError(text);
    const position = !at ? 'a syntax error' : at.atEnd ? `it ends too early (line ${at.line}, column ${at.column})` : `a syntax error at line ${at.line}, column ${at.column}`;
    throw configError('CONFIG_INVALID_JSON', `${where} is not valid JSON: ${text.trim() === '' ? 'it is empty' : position}`, 'correct the file (Mattermost cannot start with it either) or restore it from a backup', err);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw configError('CONFIG_INVALID_JSON', `${where} does not hold a JSON object`, 'point mmbackup at Mattermost\'s config.json');
  }
  return config as Record<string, any>;
}

function readError(err: unknown, file: string, origin: string): MmBackupError {
  const code = systemCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return configError('CONFIG_NOT_FOUND', `the Mattermost config ${file} (${origin}) does not exist`, FIX_SOURCE, err);
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return configError('CONFIG_UNREADABLE', `cannot read the Mattermost config ${file}: permission denied`, 'run mmbackup as the mattermost user (sudo -u mattermost mmbackup ...) or as root', err);
  }
  if (code === 'EISDIR') {
    return configError('CONFIG_NOT_A_FILE', `the Mattermost config ${file} (${origin}) is a directory`, `give the path of the config.json inside it, e.g. ${path.join(file, 'config.json')}`, err);
  }
  return configError('CONFIG_UNREADABLE', `cannot read the Mattermost config ${file}: ${code ?? (err as Error).message}`, FIX_SOURCE, err);
}

async function fromFile(source: string, origin: string, installDir?: string): Promise<StoredConfig> {
  const file = path.resolve(source);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw readError(err, file, origin);
  }
  const configDir = path.dirname(file);
  return {
    configSource: { kind: 'file', path: file },
    configDir,
    installDir: path.resolve(installDir ?? path.dirname(configDir)),
    config: parseConfigJson(text, file),
    where: file,
  };
}

async function fromDatabase(source: string, origin: string, env: NodeJS.ProcessEnv, installDir?: string): Promise<StoredConfig> {
  const connection = parseDsn(source, origin);
  const where = `the active Configurations row of ${describeConnection(connection)}`;
  return {
    configSource: { kind: 'database', connection },
    installDir: path.resolve(installDir ?? env.MM_INSTALL_DIR ?? DEFAULT_INSTALL_DIR),
    config: parseConfigJson(await readActiveDatabaseConfig(connection), where),
    where,
  };
}

/** The source to read and how to name it in messages. */
function chooseSource(options: LoadInstallationOptions, env: NodeJS.ProcessEnv): { source: string; origin: string } {
  if (options.source) return { source: options.source, origin: '--mattermost-config' };
  if (env.MM_CONFIG) return { source: env.MM_CONFIG, origin: 'MM_CONFIG' };
  return { source: DEFAULT_CONFIG_PATH, origin: 'the default location' };
}

/**
 * Reads the Mattermost config (file or database), applies the MM_* overrides of `env`, and returns where
 * the database, config and file store are. Every failure is an MmBackupError with step 'read-config' and
 * exit code 2 (CONFIG_NOT_FOUND, CONFIG_UNREADABLE, CONFIG_NOT_A_FILE, CONFIG_INVALID_JSON, CONFIG_DB_*,
 * CONFIG_TABLE_MISSING, CONFIG_NO_ACTIVE_ROW, CONFIG_NO_DATASOURCE, CONFIG_UNSUPPORTED_DRIVER, BAD_DSN, ...);
 * messages never contain a password.
 */
export async function loadInstallation(options: LoadInstallationOptions = {}): Promise<MattermostInstallation> {
  const env = options.env ?? process.env;
  const { source, origin } = chooseSource(options, env);
  const stored = looksLikeDsn(source)
    ? await fromDatabase(source, origin, env, options.installDir)
    : await fromFile(source, origin, options.installDir);
  const overrides = applyEnvOverrides(stored.config, env);
  const bySetting = new Map(Object.entries(overrides.settings).map(([name, setting]) => [setting, name]));
  const label: SettingLabel = (setting) => {
    const name = bySetting.get(setting);
    return name ? `${name} (environment)` : `${setting} in ${stored.where}`;
  };
  return {
    configSource: stored.configSource,
    ...(stored.configDir ? { configDir: stored.configDir } : {}),
    installDir: stored.installDir,
    database: databaseOf(overrides.config, label),
    fileStore: fileStoreOf(overrides.config, stored.installDir, label),
    pluginDirs: pluginDirsOf(overrides.config, stored.installDir),
    envOverrides: overrides.applied,
    envSettings: overrides.settings,
    unmatchedEnv: overrides.unmatched,
    config: overrides.config,
  };
}
