/**
 * The plugin in the data set is the project's own bundle, with its Go server part: built the way `make dist`
 * builds it (build/plugin-server.mjs, then build/bundle.mjs into the test's own directory), so a restored
 * server must bring back a plugin whose server executable Mattermost starts again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

export function buildProjectPlugin(workDir: string): { id: string; file: string } {
  if (!existsSync(path.join(REPO_ROOT, 'webapp/dist/main.js'))) {
    throw new Error('webapp/dist/main.js is missing, so the plugin bundle cannot be packed: run `make build` first (make test does)');
  }
  execFileSync('node', ['build/plugin-server.mjs'], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 10 * 60_000 });
  execFileSync('node', ['build/bundle.mjs', '--out', workDir], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 5 * 60_000 });
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'plugin.json'), 'utf8')) as { id: string; version: string };
  return { id: manifest.id, file: path.join(workDir, `${manifest.id}-${manifest.version}.tar.gz`) };
}
