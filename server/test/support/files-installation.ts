/**
 * A Mattermost installation with only a local file store that matters: for tests that back up the
 * "files" component alone (no database is ever contacted for it).
 */
import * as path from 'node:path';
import type { MattermostInstallation } from '../../src/mattermost/types';

export function filesInstallation(dataDir: string, installDir: string): MattermostInstallation {
  return {
    configSource: { kind: 'file', path: path.join(installDir, 'config', 'config.json') },
    installDir,
    database: { driver: 'postgres', host: '127.0.0.1', port: 5432, user: 'nobody', database: 'unused', params: {} },
    fileStore: { driver: 'local', directory: dataDir },
    pluginDirs: { server: path.join(installDir, 'plugins'), client: path.join(installDir, 'client', 'plugins') },
    envOverrides: {},
    config: {},
  };
}
