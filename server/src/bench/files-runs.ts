/**
 * The file store measurements, each after emptying the page cache, because a real backup reads a store far
 * larger than memory and so reads it from disk: `tar -cf - DIR | zstd -1 -T2 > /dev/null` (what an admin
 * would script), `restic backup DIR` into a fresh local repository, `mmbackup backup --only files`, then
 * mmbackup's second backup of the unchanged store. These run `rounds` times in turn, each reported by its
 * median run: on one machine a first backup of 1 GiB varied by 15% from run to run, for restic as for
 * mmbackup, enough to turn a verdict either way. Then, once, from the last round's repositories: both
 * restores into empty directories and each tool's check that reads every byte back (`verify --read-data`,
 * `restic check --read-data`). The objects each repository holds are counted: every one is a PUT on S3,
 * an fsync on a disk.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { diskUsage, dropCaches, medianRun, timePipe } from './measure';
import { runMmbackup, type MmbackupTarget } from './mmbackup';
import type { FileStore } from './file-store';
import type { Measurement } from './report';
import { objectCount, runRestic, type ResticTarget } from './restic';

type Log = (line: string) => void;

export interface FileRuns {
  measurements: Measurement[];
  /** False when the page cache could not be dropped (not root): the numbers are then warm-cache numbers. */
  coldCache: boolean;
}

const MIB = 2 ** 20;

async function measureTarZstd(store: FileStore, log: Log): Promise<{ m: Measurement; cold: boolean }> {
  const cold = await dropCaches();
  log(`tar -cf - files | zstd -1 -T2 > /dev/null (${cold ? 'cold' : 'warm'} cache)`);
  const seconds = await timePipe('bench-tar-zstd',
    { cmd: 'tar', args: ['-cf', '-', '-C', path.dirname(store.dir), path.basename(store.dir)] },
    { cmd: 'zstd', args: ['-1', '-T2', '-q', '-c'] });
  return { m: { id: 'tar_zstd', label: `tar -cf - piped to zstd -1 -T2 (${cold ? 'cold' : 'warm'})`, seconds, mibPerSecond: store.bytes / MIB / seconds }, cold };
}

const temperature = (cold: boolean) => (cold ? 'cold' : 'warm');

/** Runs after the db backup in the same repository: its snapshot has no files, so nothing is reused. */
async function mmbackupFiles(store: FileStore, target: MmbackupTarget, log: Log): Promise<{ first: Measurement; again: Measurement; snapshot: string; cold: boolean }> {
  const before = { bytes: await diskUsage(target.repo), objects: await objectCount(target.repo) };
  const cold = await dropCaches();
  log(`mmbackup backup --only files (${temperature(cold)} cache)`);
  const run = await runMmbackup(target, ['backup', '--only', 'files']);
  const first: Measurement = { id: 'mm_backup_files', label: `mmbackup backup --only files (${temperature(cold)})`, seconds: run.seconds, bytes: (await diskUsage(target.repo)) - before.bytes,
    mibPerSecond: store.bytes / MIB / run.seconds, peakRssMB: run.peakRssMB, cpuSeconds: run.cpuSeconds, objects: (await objectCount(target.repo)) - before.objects };
  log('mmbackup backup --only files again, nothing changed');
  const unchanged = await runMmbackup(target, ['backup', '--only', 'files']);
  const again: Measurement = { id: 'mm_backup_files_unchanged', label: 'mmbackup backup --only files, unchanged store', seconds: unchanged.seconds, peakRssMB: unchanged.peakRssMB, cpuSeconds: unchanged.cpuSeconds };
  return { first, again, snapshot: run.json.snapshot.id, cold };
}

async function mmbackupRestore(store: FileStore, target: MmbackupTarget, snapshot: string, scratch: string, log: Log): Promise<Measurement> {
  const install = path.join(scratch, 'mm-restore');
  await fs.rm(install, { recursive: true, force: true });
  const cold = await dropCaches();
  log(`mmbackup restore ${snapshot} --only files into an empty directory (${temperature(cold)} cache)`);
  const run = await runMmbackup(target, ['restore', snapshot, '--only', 'files', '--install-dir', install, '--files-dir', path.join(install, 'data')]);
  await fs.rm(install, { recursive: true, force: true });
  return { id: 'mm_restore_files', label: `mmbackup restore --only files (${temperature(cold)})`, seconds: run.seconds, mibPerSecond: store.bytes / MIB / run.seconds, peakRssMB: run.peakRssMB, cpuSeconds: run.cpuSeconds };
}

/** verify --read-data of the files snapshot: every pack it needs read back and every blob checked. */
async function mmbackupVerify(store: FileStore, target: MmbackupTarget, snapshot: string, log: Log): Promise<Measurement> {
  const cold = await dropCaches();
  log(`mmbackup verify ${snapshot} --read-data (${temperature(cold)} cache)`);
  const run = await runMmbackup(target, ['verify', snapshot, '--read-data']);
  return { id: 'mm_verify_files', label: `mmbackup verify --read-data, files snapshot (${temperature(cold)})`, seconds: run.seconds, mibPerSecond: store.bytes / MIB / run.seconds, peakRssMB: run.peakRssMB, cpuSeconds: run.cpuSeconds };
}

/** restic backup into a fresh local repository, which stays for the restore. */
async function resticBackup(store: FileStore, restic: ResticTarget, log: Log): Promise<Measurement> {
  await fs.rm(restic.repository, { recursive: true, force: true });
  await runRestic(restic, ['init']);
  const cold = await dropCaches();
  log(`restic backup files (${temperature(cold)} cache)`);
  const backup = await runRestic(restic, ['backup', '--quiet', store.dir]);
  return { id: 'restic_backup_files', label: `restic backup (${temperature(cold)})`, seconds: backup.seconds, bytes: await diskUsage(restic.repository),
    mibPerSecond: store.bytes / MIB / backup.seconds, peakRssMB: backup.peakRssMB, objects: await objectCount(restic.repository) };
}

/** restic's restore into an empty directory and its check, from the repository resticBackup() left; then it goes. */
async function resticRestoreAndCheck(store: FileStore, restic: ResticTarget, scratch: string, log: Log): Promise<Measurement[]> {
  const target = path.join(scratch, 'restic-restore');
  await fs.rm(target, { recursive: true, force: true });
  const cold = await dropCaches();
  log(`restic restore latest into an empty directory (${temperature(cold)} cache)`);
  const restore = await runRestic(restic, ['restore', 'latest', '--target', target]);
  await fs.rm(target, { recursive: true, force: true });
  const coldCheck = await dropCaches();
  log(`restic check --read-data (${temperature(coldCheck)} cache)`);
  const check = await runRestic(restic, ['check', '--read-data']);
  await fs.rm(restic.repository, { recursive: true, force: true });
  return [
    { id: 'restic_restore_files', label: `restic restore latest (${temperature(cold)})`, seconds: restore.seconds, mibPerSecond: store.bytes / MIB / restore.seconds, peakRssMB: restore.peakRssMB },
    { id: 'restic_check_files', label: `restic check --read-data (${temperature(coldCheck)})`, seconds: check.seconds, mibPerSecond: store.bytes / MIB / check.seconds, peakRssMB: check.peakRssMB },
  ];
}

/** A copy of the repository as it is before the file store's backup, for a round whose repository does not stay. */
async function repositoryCopy(target: MmbackupTarget, scratch: string): Promise<MmbackupTarget> {
  const repo = path.join(scratch, 'repo-round');
  await fs.rm(repo, { recursive: true, force: true });
  await fs.cp(target.repo, repo, { recursive: true });
  return { ...target, repo };
}

export async function measureFileStore(store: FileStore, target: MmbackupTarget, scratch: string, rounds: number, log: Log): Promise<FileRuns> {
  const runs = { tar: [] as Measurement[], restic: [] as Measurement[], first: [] as Measurement[], again: [] as Measurement[] };
  const restic: ResticTarget = { repository: path.join(scratch, 'restic-repo'), password: randomBytes(16).toString('hex') };
  let cold = true;
  let snapshot = '';
  for (let round = 1; round <= rounds; round++) {
    log(`round ${round}/${rounds}: tar | zstd, restic backup, mmbackup backup --only files and again unchanged (fresh repositories)`);
    const tar = await measureTarZstd(store, log);
    runs.tar.push(tar.m);
    runs.restic.push(await resticBackup(store, restic, log));
    // The last round backs up into the benchmark's repository, which the restore, verify and later steps read.
    const last = round === rounds;
    const into = last ? target : await repositoryCopy(target, scratch);
    try {
      const mm = await mmbackupFiles(store, into, log);
      runs.first.push(mm.first);
      runs.again.push(mm.again);
      cold &&= tar.cold && mm.cold;
      snapshot = mm.snapshot;
    } finally {
      if (!last) await fs.rm(into.repo, { recursive: true, force: true });
    }
  }
  const resticReads = await resticRestoreAndCheck(store, restic, scratch, log);
  const restore = await mmbackupRestore(store, target, snapshot, scratch, log);
  const verify = await mmbackupVerify(store, target, snapshot, log);
  return {
    measurements: [medianRun(runs.tar), medianRun(runs.restic), ...resticReads, medianRun(runs.first), medianRun(runs.again), restore, verify],
    coldCache: cold,
  };
}
