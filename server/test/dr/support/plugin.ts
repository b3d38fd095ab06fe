/**
 * A real plugin bundle Mattermost accepts through POST /api/v4/plugins: a webapp-only plugin (manifest plus
 * a bundle that registers nothing), tarred and gzipped with the system tar the way `make dist` does. It
 * stands in until the project's own bundle with its Go server part is built in this tree.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const TEST_PLUGIN_ID = 'com.example.drproof';

export async function buildTestPlugin(workDir: string): Promise<{ id: string; file: string }> {
  const root = path.join(workDir, 'plugin-src', TEST_PLUGIN_ID);
  await fs.mkdir(path.join(root, 'webapp', 'dist'), { recursive: true });
  const manifest = { id: TEST_PLUGIN_ID, name: 'DR proof plugin', version: '1.0.0', min_server_version: '9.0.0', webapp: { bundle_path: 'webapp/dist/main.js' } };
  await fs.writeFile(path.join(root, 'plugin.json'), JSON.stringify(manifest, null, 2));
  await fs.writeFile(path.join(root, 'webapp', 'dist', 'main.js'), "window.registerPlugin('com.example.drproof', { initialize() {} });\n");
  const file = path.join(workDir, `${TEST_PLUGIN_ID}-1.0.0.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', path.dirname(root), TEST_PLUGIN_ID]);
  return { id: TEST_PLUGIN_ID, file };
}
