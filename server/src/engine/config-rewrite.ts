/**
 * Restoring onto a new server means the restored config.json must point at the new database and file
 * store, or Mattermost would start against the old ones. Only SqlSettings.DataSource and
 * FileSettings.Directory change; everything else stays as it was backed up.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatDsn, parseDsn } from '../mattermost/dsn';
import type { DbConnection } from '../mattermost/types';

export interface ConfigRewrite {
  file: string;
  changed: string[];
}

function sameDatabase(a: DbConnection, b: DbConnection): boolean {
  return a.driver === b.driver && a.host === b.host && a.port === b.port && a.database === b.database && a.user === b.user;
}

/**
 * `toLocalStore`: the file store was in S3 and was restored into a local directory (a valid way out when
 * the bucket is lost), so the driver must change too.
 */
export async function rewriteRestoredConfig(configDir: string, targets: { db?: DbConnection; filesDir?: string; toLocalStore?: boolean }): Promise<ConfigRewrite | undefined> {
  const file = path.join(configDir, 'config.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const config = JSON.parse(text);
  const changed = rewriteConfigObject(config, path.dirname(configDir), targets);
  if (changed.length === 0) return undefined;
  const mode = (await fs.stat(file)).mode & 0o777;
  await fs.writeFile(file, JSON.stringify(config, null, 2) + '\n', { mode });
  return { file, changed };
}

/**
 * Points a parsed config (config.json, or the active Configurations row) at the new targets, in place, and
 * returns the names of the settings it changed. `installDir` resolves a relative FileSettings.Directory.
 */
export function rewriteConfigObject(config: any, installDir: string, targets: { db?: DbConnection; filesDir?: string; toLocalStore?: boolean }): string[] {
  const changed: string[] = [];
  const dataSource: string | undefined = config.SqlSettings?.DataSource;
  if (targets.db && dataSource) {
    let original: DbConnection | undefined;
    try {
      original = parseDsn(dataSource);
    } catch {
      original = undefined;
    }
    if (!original || !sameDatabase(original, targets.db)) {
      config.SqlSettings.DataSource = formatDsn(targets.db, original);
      config.SqlSettings.DriverName = targets.db.driver;
      changed.push('SqlSettings.DataSource');
    }
  }
  if (targets.toLocalStore && targets.filesDir && config.FileSettings && config.FileSettings.DriverName !== 'local') {
    config.FileSettings.DriverName = 'local';
    config.FileSettings.Directory = path.resolve(targets.filesDir) + '/';
    changed.push('FileSettings.DriverName', 'FileSettings.Directory');
  } else if (targets.filesDir && config.FileSettings) {
    const current = path.resolve(installDir, config.FileSettings.Directory ?? './data/');
    if (path.resolve(targets.filesDir) !== current) {
      config.FileSettings.Directory = path.resolve(targets.filesDir) + '/';
      changed.push('FileSettings.Directory');
    }
  }
  return changed;
}
