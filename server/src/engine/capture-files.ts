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
import { readMetadataAhead } from './read-ahead';
import { captureTree, loadParentIndex } from './tree';

export const FILE_ROOTS = ['data', 'plugins', 'client-plugins'] as const;

/** Above this many files in the previous capture, the read-ahead could evict itself before the walk. */
const READ_AHEAD_MAX_FILES = 1_000_000;

/**
 * For an incremental capture of a local file store, which mostly compares metadata: reads the store's
 * metadata ahead in parallel (./read-ahead.ts), meant to overlap the repository index listing. Resolves at
 * once for a first capture (its files are read whole anyway), an S3 store, or one too big for the cache.
 */
export function readFileStoreAhead(context: CaptureContext): Promise<void> {
  const store = context.installation.fileStore;
  const previous = context.parent?.components.files?.roots.find((r) => r.name === 'data');
  if (store.driver !== 'local' || !previous || previous.files === 0 || previous.files > READ_AHEAD_MAX_FILES) return Promise.resolve();
  return readMetadataAhead(store.directory, context.signal);
}

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
      const root = await captureS3Store(repository, store, await loadParentIndex(repository, previous), stats, reporter);
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
    const index = await loadParentIndex(repository, previous);
    const root = await captureTree(repository, name, dir, index, stats, reporter, signal);
    reporter.info(`${name}: ${root.files} files, ${root.bytes} bytes from ${dir}`);
    roots.push(root);
  }
  const s3 = store.driver === 'amazons3' ? { bucket: store.bucket, pathPrefix: store.pathPrefix, endpoint: store.endpoint, region: store.region } : undefined;
  return { driver: store.driver, s3, roots, durationMs: Date.now() - started };
}

export async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
