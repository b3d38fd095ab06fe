/** The file side of the demo installation: the file store matching the database, and plugin directories. */
import * as path from 'node:path';
import type { GeneratedFile } from './generate-database';
import { generateFileStore, generatePluginDirs } from './generate-file-store';

export async function generateFilePluginsAndStore(installDir: string, files: readonly GeneratedFile[]): Promise<{ files: number; bytes: number }> {
  const store = await generateFileStore(path.join(installDir, 'data'), files, { seed: 1 });
  const plugins = await generatePluginDirs(installDir, { seed: 1 });
  return { files: store.files.length + plugins.files.length, bytes: store.bytes + plugins.bytes };
}
