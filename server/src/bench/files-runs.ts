/**
 * The file store measurements: `tar -cf - DIR | zstd -1 -T2 > /dev/null` (what an admin would script)
 * against `mmbackup backup --only files`, each after emptying the page cache, because a real backup reads
 * a store far larger than memory and so reads it from disk.
 */
import * as path from 'node:path';
import { diskUsage, dropCaches, timePipe } from './measure';
import { runMmbackup, type MmbackupTarget } from './mmbackup';
import type { FileStore } from './file-store';
import type { Measurement } from './report';

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

/** Runs after the db backup in the same repository: its snapshot has no files, so nothing is reused. */
async function measureMmbackupFiles(store: FileStore, target: MmbackupTarget, log: Log): Promise<{ m: Measurement; cold: boolean }> {
  const before = await diskUsage(target.repo);
  const cold = await dropCaches();
  log(`mmbackup backup --only files (${cold ? 'cold' : 'warm'} cache)`);
  const run = await runMmbackup(target, ['backup', '--only', 'files']);
  const added = (await diskUsage(target.repo)) - before;
  return {
    m: { id: 'mm_backup_files', label: `mmbackup backup --only files (${cold ? 'cold' : 'warm'})`, seconds: run.seconds, bytes: added,
      mibPerSecond: store.bytes / MIB / run.seconds, peakRssMB: run.peakRssMB, cpuSeconds: run.cpuSeconds },
    cold,
  };
}

export async function measureFileStore(store: FileStore, target: MmbackupTarget, log: Log): Promise<FileRuns> {
  const tar = await measureTarZstd(store, log);
  const mm = await measureMmbackupFiles(store, target, log);
  return { measurements: [tar.m, mm.m], coldCache: tar.cold && mm.cold };
}
