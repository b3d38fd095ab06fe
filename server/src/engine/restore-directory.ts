/**
 * Restoring a directory never leaves it half-written: the tree goes into a staging directory beside the
 * target, and only when it is complete is it swapped in by two renames (target -> old, staging -> target).
 * A failure removes the staging copy and leaves the target as it was: when the second rename fails, the
 * first is undone. Once the new copy is in place the restore has worked; failing to remove the old copy
 * afterwards is a warning that says where it is, not a failed restore.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExitCode, MmBackupError, systemCode } from '../common/errors';
import type { Reporter } from '../common/reporter';
import type { Repository } from '../repository/repository';
import type { TreeRoot } from '../repository/snapshots';
import { restoreTree } from './restore-tree';

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
    await swapIn(staging, target, replace, suffix, reporter);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

async function swapIn(staging: string, target: string, replace: boolean, suffix: string, reporter: Reporter): Promise<void> {
  if (!(await isNonEmptyDirectory(target))) {
    const existed = await fs.rmdir(target).then(() => true, () => false);
    try {
      await fs.rename(staging, target);
    } catch (err) {
      if (existed) await fs.mkdir(target).catch(() => {});
      throw err;
    }
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
  try {
    await fs.rename(staging, target);
  } catch (err) {
    await rollBack(old, target, err);
  }
  try {
    await fs.rm(old, { recursive: true, force: true });
  } catch (err) {
    reporter.warn(`${target} was restored, but its old copy ${old} could not be removed (${systemCode(err) ?? (err as Error).message}): remove it by hand to free the space`);
  }
}

/** Puts the old directory back after the new one could not take its place; always throws. */
async function rollBack(old: string, target: string, cause: unknown): Promise<never> {
  try {
    await fs.rename(old, target);
  } catch (back) {
    throw new MmBackupError({
      step: 'restore-files',
      code: 'RESTORE_SWAP_FAILED',
      message: `the restored copy could not be moved to ${target} (${systemCode(cause) ?? (cause as Error).message}), and the old one could not be moved back either (${systemCode(back) ?? (back as Error).message}): the old contents are intact at ${old}`,
      fix: `move ${old} back to ${target} by hand (mv), then run the restore again`,
      cause,
    });
  }
  throw new MmBackupError({
    step: 'restore-files',
    code: 'RESTORE_SWAP_FAILED',
    message: `the restored copy could not be moved to ${target} (${systemCode(cause) ?? (cause as Error).message}); the old contents were put back as they were`,
    fix: `check the permissions and free space of ${path.dirname(target)}, then run the restore again`,
    cause,
  });
}
