/**
 * How many data files a local repository holds, whatever its format: packs and index files (format 2) and
 * chunk objects (format 1). "Nothing was deleted" means this number did not change.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export async function storedFiles(repo: string): Promise<number> {
  let count = 0;
  for (const dir of ['data', 'index', 'objects']) {
    const entries = await fs.readdir(path.join(repo, dir), { recursive: true, withFileTypes: true }).catch(() => []);
    count += entries.filter((e) => e.isFile()).length;
  }
  return count;
}
