/**
 * The Mattermost installation mmbackup reads in the benchmark: `.bench/mattermost/config/` (config.json and
 * the SAML/LDAP files, as on a real server) pointing at the bench database and at the generated file store.
 * No plugin directories: mmbackup notes their absence, which costs nothing measurable.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { mattermostDataSource } from '../demo/db-endpoint';
import { generateConfigDir } from '../demo/generate-config-dir';
import type { BenchSettings } from './settings';

export interface BenchInstallation {
  installDir: string;
  configFile: string;
}

/** Reuses the config dir when it already points at this database and store (config.json is read), else writes it. */
export async function ensureInstallation(settings: BenchSettings, filesDir: string): Promise<BenchInstallation> {
  const installDir = path.join(settings.benchDir, 'mattermost');
  const configDir = path.join(installDir, 'config');
  const configFile = path.join(configDir, 'config.json');
  const dataSource = mattermostDataSource('postgres', { ...settings.server, database: settings.database });
  const current = await fs.readFile(configFile, 'utf8').then((t) => JSON.parse(t), () => undefined);
  if (current?.SqlSettings?.DataSource !== dataSource || current?.FileSettings?.Directory !== filesDir) {
    await generateConfigDir(configDir, { dataSource, fileDirectory: filesDir });
  }
  return { installDir, configFile };
}
