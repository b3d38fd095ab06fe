/**
 * The repository's own health, checked on a timer of its own so that a lost mount, a revoked bucket key or
 * a filling disk is reported between backups, not discovered at 03:00 by the backup that needed it.
 *
 * Reachable: the repository's config object can be stat'ed. Nearly full: the store reports its free space
 * (local disks do, S3 does not) and it is under twice the newest snapshot's size, the point where the
 * backup preflight starts warning; one more big change in the data and the next backup is refused.
 */
import { asMmBackupError, MmBackupError } from '../common/errors';
import { formatBytes } from '../common/format';
import { redact } from '../common/redact';
import type { Repository } from '../repository/repository';

export type RepositoryHealth =
  | { state: 'ok' }
  | { state: 'unreachable'; error: MmBackupError }
  | { state: 'nearly-full'; freeBytes: number; estimateBytes: number };

/** `estimateBytes`: the room the next backup may need (the newest snapshot's size; 0 when there is none yet). */
export async function checkRepository(repository: Repository, estimateBytes: number): Promise<RepositoryHealth> {
  const { destination } = repository;
  try {
    await destination.stat('config');
  } catch (err) {
    const cause = asMmBackupError(err, 'repository');
    const missing = destination.isNotFound(err);
    return {
      state: 'unreachable',
      error: new MmBackupError({
        step: 'repository',
        code: missing ? 'REPO_GONE' : cause.code,
        message: missing
          ? `the repository at ${destination.location} has no config object any more (a mount missing, or the repository moved or deleted)`
          : `the repository at ${destination.location} cannot be reached: ${redact(cause.message)}`,
        fix: missing
          ? 'check that the disk or bucket is mounted and MMBACKUP_REPO points at it; the next backup fails until it is back'
          : cause.fix ?? 'check the network path, credentials and permissions of the repository',
      }),
    };
  }
  const freeBytes = await destination.freeSpace?.().catch(() => undefined);
  if (freeBytes !== undefined && estimateBytes > 0 && freeBytes < 2 * estimateBytes) return { state: 'nearly-full', freeBytes, estimateBytes };
  return { state: 'ok' };
}

/** The sentence for GET status: unreachable is a problem (backups fail), nearly full a warning. */
export function describeRepositoryHealth(health: RepositoryHealth): { problem?: string; warning?: string } {
  if (health.state === 'unreachable') return { problem: `${health.error.message}; ${health.error.fix}` };
  if (health.state === 'nearly-full') {
    return { warning: `the repository disk has ${formatBytes(health.freeBytes)} free, less than twice the newest snapshot (${formatBytes(health.estimateBytes)}): prune, tighten retention or add space` };
  }
  return {};
}

