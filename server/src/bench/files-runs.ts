/**
 * The file store measurements, each after emptying the page cache, because a real backup reads a store far
 * larger than memory and so reads it from disk: `tar -cf - DIR | zstd -1 -T2 > /dev/null` (what an admin
 * would script), `restic backup DIR` into a fresh local repository, `mmbackup backup --only files`; then
 * both restores into empty directories; then mmbackup's second backup of the unchanged store; then each
 * tool's check that reads every byte back (`verify --read-data`, `restic check --read-data`). The objects
 * each repository holds afterwards are counted: every one is a PUT on S3, an fsync on a disk.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { diskUsage, dropCaches, timePipe } from './measure';
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

/** restic into a fresh local repository, then its restore into an empty directory. */
async function resticFiles(store: FileStore, scratch: string, log: Log): Promise<Measurement[]> {
  const restic: ResticTarget = { repository: path.join(scratch, 'restic-repo'), password: randomBytes(16).toString('hex') };
  await fs.rm(restic.repository, { recursive: true, force: true });
  await runRestic(restic, ['init']);
  const cold = await dropCaches();
  log(`restic backup files (${temperature(cold)} cache)`);
  const backup = await runRestic(restic, ['backup', '--quiet', store.dir]);
  const objects = await objectCount(restic.repository);
  const target = path.join(scratch, 'restic-restore');
  await fs.rm(target, { recursive: true, force: true });
  const coldAgain = await dropCaches();
  log(`restic restore latest into an empty directory (${temperature(coldAgain)} cache)`);
  const restore = await runRestic(restic, ['restore', 'latest', '--target', target]);
  await fs.rm(target, { recursive: true, force: true });
  const coldCheck = await dropCaches();
  log(`restic check --read-data (${temperature(coldCheck)} cache)`);
  const check = await runRestic(restic, ['check', '--read-data']);
  const bytes = await diskUsage(restic.repository);
  await fs.rm(restic.repository, { recursive: true, force: true });
  return [
    { id: 'restic_backup_files', label: `restic backup (${temperature(cold)})`, seconds: backup.seconds, bytes, mibPerSecond: store.bytes / MIB / backup.seconds, peakRssMB: backup.peakRssMB, objects },
    { id: 'restic_restore_files', label: `restic restore latest (${temperature(coldAgain)})`, seconds: restore.seconds, mibPerSecond: store.bytes / MIB / restore.seconds, peakRssMB: restore.peakRssMB },
    { id: 'restic_check_files', label: `restic check --read-data (${temperature(coldCheck)})`, seconds: check.seconds, mibPerSecond: store.bytes / MIB / check.seconds, peakRssMB: check.peakRssMB },
  ];
}

export async function measureFileStore(store: FileStore, target: MmbackupTarget, scratch: string, log: Log): Promise<FileRuns> {
  const tar = await measureTarZstd(store, log);
  const restic = await resticFiles(store, scratch, log);
  const mm = await mmbackupFiles(store, target, log);
  const restore = await mmbackupRestore(store, target, mm.snapshot, scratch, log);
  const verify = await mmbackupVerify(store, target, mm.snapshot, log);
  return { measurements: [tar.m, ...restic, mm.first, mm.again, restore, verify], coldCache: tar.cold && mm.cold };
}
