/**
 * The files component: the local file store, and the server and webapp plugin directories of the
 * install. A missing plugin directory is normal on a fresh server and only noted; a missing file store
 * is an error, because the database would then reference files we could not save.
 */
import { promises as fs } from 'node:fs';
import { MmBackupError, ExitCode } from '../common/errors';
import type { FilesComponent, TreeRoot } from '../repository/snapshots';
import { captureS3Store } from '../sources/s3-store/capture';
import type { CaptureContext } from './backup';
import { captureTree, loadParent, loadParentFiles } from './tree';

export const FILE_ROOTS = ['data', 'plugins', 'client-plugins'] as const;

export async function captureFiles(context: CaptureContext): Promise<FilesComponent> {
  const { installation, repository, stats, reporter, parent, signal } = context;
  const started = Date.now();
  const store = installation.fileStore;
  const sources: Record<(typeof FILE_ROOTS)[number], string> = {
    data: store.driver === 'local' ? store.directory : '',
    plugins: installation.pluginDirs.server,
    'client-plugins': installation.pluginDirs.client,
  };
  const roots: TreeRoot[] = [];
  const previousBytes = parent?.components.files?.roots.reduce((sum, r) => sum + r.bytes, 0);
  if (previousBytes) reporter.expectBytes?.(previousBytes);
  for (const name of FILE_ROOTS) {
    const previous = parent?.components.files?.roots.find((r) => r.name === name);
    if (name === 'data' && store.driver === 'amazons3') {
      const root = await captureS3Store(repository, store, await loadParentFiles(repository, previous), stats, reporter);
      reporter.info(`data: ${root.files} objects, ${root.bytes} bytes from ${root.path}`);
      roots.push(root);
      continue;
    }
    const dir = sources[name];
    if (!(await isDirectory(dir))) {
      if (name === 'data') {
        throw new MmBackupError({
          step: 'files',
          code: 'FILESTORE_MISSING',
          message: `the file store directory ${dir} (FileSettings.Directory) does not exist or is not a directory`,
          fix: 'check FileSettings.Directory / MM_FILESETTINGS_DIRECTORY and --mattermost-config; relative paths are resolved against the Mattermost install dir',
          exitCode: ExitCode.usage,
        });
      }
      reporter.info(`no ${name} directory at ${dir}; nothing to save there`);
      continue;
    }
    const listings = { reused: 0 };
    const root = await captureTree(repository, name, dir, loadParent(repository, previous), stats, reporter, { signal, listings });
    reporter.info(`${name}: ${root.files} files, ${root.bytes} bytes from ${dir}${reusedNote(listings.reused, root.dirs)}`);
    roots.push(root);
  }
  const s3 = store.driver === 'amazons3' ? { bucket: store.bucket, pathPrefix: store.pathPrefix, endpoint: store.endpoint, region: store.region } : undefined;
  return { driver: store.driver, s3, roots, durationMs: Date.now() - started };
}

/** How many directories were not read again, their names taken from the last backup. */
function reusedNote(reused: number, dirs: number): string {
  return reused > 0 ? ` (${reused} of ${dirs} directories unchanged since the last backup, not read again)` : '';
}

export async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
