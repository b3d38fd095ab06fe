/**
 * Where build/ensure-mattermost.sh put the pinned Mattermost server: .tools/mattermost/<version>/, the version
 * being the server/v8 line of build/mattermost/go.mod (the one place that names it).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
const SERVER_MODULE = 'github.com/mattermost/mattermost/server/v8';

export interface MattermostInstall {
  /** The directory holding bin/mattermost, i18n/, templates/ and fonts/: the server's working directory. */
  dir: string;
  binary: string;
  /** The pinned pseudo-version of github.com/mattermost/mattermost/server/v8. */
  version: string;
}

export function pinnedMattermostVersion(): string {
  const goMod = path.join(REPO_ROOT, 'build/mattermost/go.mod');
  const line = readFileSync(goMod, 'utf8').split('\n').find((l) => l.trim().startsWith(`${SERVER_MODULE} `));
  if (!line) throw new Error(`${goMod} names no ${SERVER_MODULE} version`);
  return line.trim().split(/\s+/)[1];
}

/** The built server, or an error that gives the command which builds it. */
export function mattermostInstall(): MattermostInstall {
  const version = pinnedMattermostVersion();
  const dir = path.join(REPO_ROOT, '.tools/mattermost', version);
  const binary = path.join(dir, 'bin/mattermost');
  if (!existsSync(path.join(dir, '.complete')) || !existsSync(binary)) {
    throw new Error(`the Mattermost server ${version} is not built (no ${binary}): run \`build/ensure-mattermost.sh\` in ${REPO_ROOT} (make test does it; it needs Go >= 1.24)`);
  }
  return { dir, binary, version };
}
