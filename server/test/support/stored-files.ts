/**
 * The data files a local repository holds, whatever its format: packs and index files (format 2) and chunk
 * objects (format 1). "Nothing was deleted" means their number did not change.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The files under `dirs` of the repository, as paths relative to it. */
export async function storedFileNames(repo: string, dirs = ['data', 'index', 'objects']): Promise<string[]> {
  const names: string[] = [];
  for (const dir of dirs) {
    const entries = await fs.readdir(path.join(repo, dir), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isFile()) names.push(path.relative(repo, path.join(e.parentPath, e.name)));
  }
  return names;
}

export async function storedFiles(repo: string): Promise<number> {
  return (await storedFileNames(repo)).length;
}
