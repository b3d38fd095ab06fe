/**
 * Restoring a directory never leaves it half-written: the tree goes into a staging directory beside the
 * target, and only when it is complete is it swapped in by rename. A failure removes the staging copy
 * and leaves the target as it was.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExitCode, MmBackupError, systemCode } from '../common/errors';
import type { Reporter } from '../common/reporter';
import type { Repository } from '../repository/repository';
import type { TreeRoot } from '../repository/snapshots';
import { restoreTree } from './tree';

/** True when the path exists and has entries (a file counts as non-empty). */
export async function isNonEmptyDirectory(dir: string): Promise<boolean> {
  try {
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) return true;
    return (await fs.readdir(dir)).length > 0;
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return false;
    throw err;
  }
}

export async function restoreDirectory(repository: Repository, root: TreeRoot, target: string, replace: boolean, reporter: Reporter): Promise<void> {
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const suffix = randomBytes(4).toString('hex');
  const staging = path.join(parent, `.${path.basename(target)}.mmbackup-restore-${suffix}`);
  await fs.mkdir(staging, { mode: 0o700 });
  try {
    await restoreTree(repository, root, staging, reporter);
    await swapIn(staging, target, replace, suffix);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

async function swapIn(staging: string, target: string, replace: boolean, suffix: string): Promise<void> {
  if (!(await isNonEmptyDirectory(target))) {
    await fs.rm(target, { recursive: false, force: true }).catch(() => fs.rmdir(target).catch(() => {}));
    await fs.rename(staging, target);
    return;
  }
  if (!replace) {
    throw new MmBackupError({ step: 'restore-files', code: 'TARGET_NOT_EMPTY', message: `${target} is not empty`, fix: 'pass --yes to replace it', exitCode: ExitCode.usage });
  }
  const old = path.join(path.dirname(target), `.${path.basename(target)}.mmbackup-old-${suffix}`);
  try {
    await fs.rename(target, old);
  } catch (err) {
    throw new MmBackupError({
      step: 'restore-files',
      code: 'TARGET_NOT_MOVABLE',
      message: `cannot move ${target} aside to replace it (${systemCode(err)}); it may be a mount point`,
      fix: `restore into an empty directory with --files-dir/--config-dir and point Mattermost at it, or empty ${target} first (a safety snapshot of it was taken)`,
      cause: err,
    });
  }
  await fs.rename(staging, target);
  await fs.rm(old, { recursive: true, force: true });
}
