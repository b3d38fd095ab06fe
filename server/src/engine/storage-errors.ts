/**
 * Repository write failures, in words an admin can act on. A full disk is the classic one: the run stops,
 * nothing of it becomes a snapshot, and the fix is room or another repository.
 */
import { ExitCode, MmBackupError, asMmBackupError, systemCode } from '../common/errors';

export function storageError(err: unknown, location: string): MmBackupError {
  if (err instanceof MmBackupError) return err;
  const code = systemCode(err);
  const failedPath = (err as { path?: unknown }).path;
  if (typeof failedPath === 'string' && !failedPath.startsWith(location)) return sourceError(err, failedPath, code);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new MmBackupError({
      step: 'write-repository',
      code: 'REPO_DISK_FULL',
      message: `the disk holding the repository ${location} is full (${code}); this run left no snapshot and earlier snapshots are intact`,
      fix: 'free space on that disk (mmbackup prune reclaims leftovers of failed runs) or use a repository on a larger disk, then run the backup again',
      cause: err,
    });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new MmBackupError({
      step: 'write-repository',
      code: 'REPO_NOT_WRITABLE',
      message: `cannot write to the repository ${location} (${code})`,
      fix: 'run mmbackup as a user who may write there, or check that the file system is mounted read-write',
      exitCode: ExitCode.failed,
      cause: err,
    });
  }
  return asMmBackupError(err, 'write-repository');
}

/** A failure reading what is being backed up (a file in the store or config dir). */
function sourceError(err: unknown, failedPath: string, code: string | undefined): MmBackupError {
  const denied = code === 'EACCES' || code === 'EPERM';
  return new MmBackupError({
    step: 'read-source',
    code: denied ? 'SOURCE_NOT_READABLE' : (code ?? 'SOURCE_READ_FAILED'),
    message: `cannot read ${failedPath}: ${(err as Error).message}`,
    fix: denied ? 'run mmbackup as root or as the user Mattermost runs as' : 'check the file system holding the Mattermost data',
    cause: err,
  });
}
