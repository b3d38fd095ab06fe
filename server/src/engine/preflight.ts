/**
 * Before a backup starts: can the repository take it? First, when the repository URL asks for immutable
 * backups (S3 Object Lock), that the store can give them: refused before anything of the backup is
 * written, not discovered after. Then a probe object is written, read back and removed
 * (an unreachable or read-only bucket or disk fails here, in seconds, not an hour in), and on stores that
 * know their free space, the space is compared with an estimate of what this backup may write.
 *
 * The estimate: after a first backup, three times the most any earlier backup wrote, at least 1% of the
 * data; before one, the database's size on its server plus the local file store, with zstd and
 * deduplication as the margin. A shortfall refuses the backup; less than twice the estimate warns. A store
 * that does not know its free space (S3) is not estimated for: nothing would be compared with it.
 *
 * Counting a large file store's bytes is a walk of every directory, which on a cold cache costs seconds, so
 * a first backup bounds it first: a directory holds at most what its file system has in use. When twice
 * that bound fits, the exact figure could change nothing, and the walk is skipped. (Another file system
 * mounted inside the store is not in the bound: a backup that outgrows the disk then fails when the disk
 * fills, with no snapshot written, as any backup that outgrows its estimate does.)
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { MmBackupError, systemCode } from '../common/errors';
import type { Reporter } from '../common/reporter';
import type { MattermostInstallation } from '../mattermost/types';
import type { Repository } from '../repository/repository';
import type { ComponentName, SnapshotManifest } from '../repository/snapshots';
import { driverFor } from '../sources/drivers';
import { storageError } from './storage-errors';
import { walkTree } from './walk';

/** Both absent when the store does not know its free space. */
export interface PreflightResult {
  estimatedBytes?: number;
  freeBytes?: number;
}

/**
 * The bytes of the regular files under `dir` (0 when it does not exist), listed by the sealing workers as
 * the backup's own walk lists them (./walk.ts): on a cold cache of a large store this is the slow part of
 * a first backup's preflight, and it leaves the metadata cached for the walk that follows.
 */
async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  try {
    for await (const batch of walkTree(dir)) for (const entry of batch.entries) if (entry.kind === 'f') total += entry.size;
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return 0;
    throw err;
  }
  return total;
}

/**
 * At least the bytes under all of `dirs`: what their file systems have in use, each file system counted
 * once (the config dir and the file store are often on the same disk). A missing directory adds nothing.
 */
async function directoriesBytesBound(dirs: string[]): Promise<number> {
  const inUse = new Map<number, number>();
  for (const dir of dirs) {
    try {
      const [{ dev }, st] = await Promise.all([fs.stat(dir), fs.statfs(dir)]);
      inUse.set(dev, (st.blocks - st.bfree) * st.bsize);
    } catch (err) {
      if (systemCode(err) !== 'ENOENT') throw err;
    }
  }
  return [...inUse.values()].reduce((sum, bytes) => sum + bytes, 0);
}

/**
 * What this backup may write. With `enoughBelow`, a first backup's directories are bounded before they are
 * walked: when the bound is at most `enoughBelow`, it is the answer (an over-estimate that changes no
 * verdict), else they are walked for the exact figure.
 */
export async function estimateWrite(installation: MattermostInstallation, components: ComponentName[], snapshots: SnapshotManifest[], enoughBelow?: number): Promise<number> {
  if (snapshots.length > 0) {
    const most = Math.max(...snapshots.map((s) => s.totals.bytesWritten));
    return Math.max(most * 3, snapshots[0].totals.size / 100);
  }
  let database = 0;
  if (components.includes('db')) database = await driverFor(installation.database).sizeOnServer(installation.database);
  const dirs = [
    ...(components.includes('files') && installation.fileStore.driver === 'local' ? [installation.fileStore.directory] : []),
    ...(components.includes('config') && installation.configDir ? [installation.configDir] : []),
  ];
  if (enoughBelow !== undefined) {
    const bound = database + (await directoriesBytesBound(dirs));
    if (bound <= enoughBelow) return bound;
  }
  let total = database;
  for (const dir of dirs) total += await directoryBytes(dir);
  return total;
}

/** Writes, reads and removes a small object: proves the repository is reachable and writable now. */
async function probe(repository: Repository): Promise<void> {
  const name = `preflight/${randomBytes(8).toString('hex')}`;
  const data = randomBytes(64);
  try {
    await repository.destination.save(name, data);
    const back = await repository.destination.load(name);
    if (!back.equals(data)) throw new Error('the probe object came back different from what was written');
  } catch (err) {
    throw storageError(err, repository.destination.location);
  } finally {
    await repository.destination.remove(name).catch(() => {});
  }
}

export async function preflight(repository: Repository, installation: MattermostInstallation, components: ComponentName[], snapshots: SnapshotManifest[], reporter: Reporter): Promise<PreflightResult> {
  await repository.destination.checkImmutability?.();
  await probe(repository);
  const freeBytes = await repository.destination.freeSpace?.();
  if (freeBytes === undefined) return {};
  const estimatedBytes = await estimateWrite(installation, components, snapshots, freeBytes / 2);
  if (freeBytes < estimatedBytes) {
    throw new MmBackupError({
      step: 'preflight',
      code: 'REPO_SPACE_LOW',
      message: `the repository disk at ${repository.destination.location} has ${mib(freeBytes)} free, but this backup may write up to ${mib(estimatedBytes)}`,
      fix: 'free space there (mmbackup prune applies retention and reclaims unreferenced data) or move the repository to a larger disk',
    });
  }
  if (freeBytes < 2 * estimatedBytes) {
    reporter.warn(`the repository disk has ${mib(freeBytes)} free, less than twice what this backup may write (${mib(estimatedBytes)}): make room before it runs out`);
  }
  return { estimatedBytes, freeBytes };
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
