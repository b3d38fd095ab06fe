/**
 * The config component: the whole config directory (config.json and the SAML/LDAP certificates and keys
 * beside it), or, when Mattermost keeps its config in the database, the active Configurations row and
 * the ConfigurationFiles rows as files; plus the MM_* environment overrides, which Mattermost never
 * writes back to config.json and which would otherwise be lost with the host.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDatabaseConfigFiles, readActiveDatabaseConfig } from '../mattermost/installation';
import { writeBufferBlob } from '../repository/blobs';
import type { ConfigComponent } from '../repository/snapshots';
import type { CaptureContext } from './backup';
import { captureTree, loadParent, noParent } from './tree';

export async function captureConfig(context: CaptureContext): Promise<ConfigComponent> {
  const { installation, repository, stats, reporter, parent } = context;
  const started = Date.now();
  // Variables that set no setting (MM_CONFIG, MM_SERVICEENVIRONMENT, ...) still shape how the server runs.
  const variables = { ...(installation.unmatchedEnv ?? {}), ...installation.envOverrides };
  const environmentNames = Object.keys(variables).sort();
  const environment = await writeBufferBlob(repository, Buffer.from(JSON.stringify(variables)), stats);
  if (environmentNames.length > 0) reporter.info(`saved ${environmentNames.length} MM_* environment variables: ${environmentNames.join(', ')}`);

  if (installation.configSource.kind === 'file') {
    const dir = installation.configDir ?? path.dirname(installation.configSource.path);
    const previous = loadParent(repository, parent?.components.config?.directory);
    const directory = await captureTree(repository, 'config', dir, previous, stats, reporter);
    reporter.info(`config: ${directory.files} files from ${dir}`);
    return { source: 'file', directory, environmentNames, environment, durationMs: Date.now() - started };
  }

  const staging = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-dbconfig-'));
  try {
    const connection = installation.configSource.connection;
    await fs.writeFile(path.join(staging, 'config.json'), await readActiveDatabaseConfig(connection), { mode: 0o600 });
    for (const file of await readDatabaseConfigFiles(connection)) {
      await fs.writeFile(path.join(staging, path.basename(file.name)), file.data, { mode: 0o600 });
    }
    const databaseConfig = await captureTree(repository, 'database-config', staging, noParent(), stats, reporter);
    reporter.info(`config: the active database configuration and ${databaseConfig.files - 1} configuration files`);
    return { source: 'database', databaseConfig, environmentNames, environment, durationMs: Date.now() - started };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}
