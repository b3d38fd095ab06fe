/**
 * Restoring onto a new server means the restored config.json must point at the new database and file
 * store, or Mattermost would start against the old ones. Only SqlSettings.DataSource and
 * FileSettings.Directory change; everything else stays as it was backed up.
 */
import { randomBytes } from 'node:crypto';
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
  const st = await fs.stat(file);
  await writeFileAtomically(file, JSON.stringify(config, null, 2) + '\n', st.mode & 0o777, { uid: st.uid, gid: st.gid });
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

/**
 * Replaces `file` so that a crash at any moment leaves the old or the new contents, never a truncated
 * config.json that Mattermost cannot start from: a temp file beside it, fsync, rename, fsync of the directory.
 */
export async function writeFileAtomically(file: string, text: string, mode: number, owner?: { uid: number; gid: number }): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.mmbackup-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await fs.open(temp, 'wx', mode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.chmod(temp, mode); // the umask may have narrowed it
    // A new file belongs to whoever writes it; config.json must stay the mattermost user's (only root can give it back).
    if (owner && process.getuid?.() === 0) await fs.chown(temp, owner.uid, owner.gid);
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => {});
    throw err;
  }
  const dir = await fs.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
