/**
 * The S3 measurements, against MinIO on loopback (./s3-server.ts), everything in one temp directory that
 * is removed at the end:
 *   1. the same bytes as the store, uploaded by @aws-sdk/lib-storage's Upload alone: one stream of every
 *      file in path order, with lib-storage's defaults (5 MiB parts, 4 in flight) and checksums only when
 *      required, as mmbackup's client sends them. The ceiling of any S3 backup of this store here;
 *   2. `mmbackup backup --only files` of a 10,000-file store (about 1 GiB) into a fresh S3 repository;
 *   3. the same backup again, nothing changed: it lists the repository, reads the parent's listing and
 *      stats every file, but must upload (almost) nothing;
 *   4. that once more with the cache left warm, for reference;
 *   5. `mmbackup restore --only files` from that repository into an empty directory;
 *   6. restic: `restic backup` of the same store into the same MinIO, and `restic restore` from it.
 * Every run but 4 starts with the page cache emptied, as files-runs.ts does: a nightly backup finds the
 * store's inodes (and the CLI's own modules) on disk. MinIO runs in its own process and writes to the same
 * disk the store is read from, on the same 2 cores, so these figures measure this machine, not S3.
 */
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { mattermostDataSource } from '../demo/db-endpoint';
import { generateConfigDir } from '../demo/generate-config-dir';
import { MmBackupError } from '../common/errors';
import { ensureFileStore, plannedBytes, planStore, type FileStore } from './file-store';
import { dropCaches, seconds } from './measure';
import { runMmbackup, type MmbackupTarget } from './mmbackup';
import type { BackupTotals, Measurement, S3Facts } from './report';
import { runRestic, type ResticTarget } from './restic';
import { fitToDisk } from './s3-plan';
import { startBenchS3Server, type BenchS3Server } from './s3-server';
import type { BenchSettings } from './settings';

type Log = (line: string) => void;

export interface S3Runs {
  measurements: Measurement[];
  facts: S3Facts;
}

const MIB = 2 ** 20;
const RAW_BUCKET = 'bench-raw';
const REPO_BUCKET = 'bench-repo';
/** Files read ahead of the upload, as mmbackup keeps 8 files in flight: the reads must not be what is measured. */
const READ_AHEAD = 8;

/** Runs `run` and adds the CPU seconds the server spent meanwhile. */
async function withServerCpu<T>(server: BenchS3Server, run: () => Promise<T>): Promise<T & { serverCpu: number }> {
  const before = await server.cpuSeconds();
  const result = await run();
  return { ...result, serverCpu: (await server.cpuSeconds()) - before };
}

async function freeBytes(dir: string): Promise<number> {
  const stats = await fs.statfs(dir);
  return stats.bavail * stats.bsize;
}

/** Every regular file under `dir`, in path order. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

/** The files' contents one after another, READ_AHEAD reads in flight, order kept. */
async function* concatenated(files: readonly string[]): AsyncGenerator<Buffer> {
  const pending: Array<Promise<Buffer>> = [];
  let next = 0;
  const readNext = () => {
    const read = fs.readFile(files[next++]);
    read.catch(() => {}); // observed when its turn comes; not an unhandled rejection meanwhile
    pending.push(read);
  };
  while (next < files.length && pending.length < READ_AHEAD) readNext();
  while (pending.length > 0) {
    const data = await pending.shift()!;
    if (next < files.length) readNext();
    yield data;
  }
}

async function measureRawUpload(server: BenchS3Server, store: FileStore, log: Log): Promise<{ m: Measurement; cold: boolean }> {
  const files = await listFiles(store.dir);
  const client = server.client();
  const cold = await dropCaches();
  log(`lib-storage Upload of the store's ${store.files} files as one object (${cold ? 'cold' : 'warm'} cache)`);
  const started = process.hrtime.bigint();
  await new Upload({ client, params: { Bucket: RAW_BUCKET, Key: 'store', Body: Readable.from(concatenated(files)) } }).done();
  const wall = seconds(started);
  const stored = (await client.send(new HeadObjectCommand({ Bucket: RAW_BUCKET, Key: 'store' }))).ContentLength;
  // Removed at once: mmbackup's repository comes next, on the same disk.
  await client.send(new DeleteObjectCommand({ Bucket: RAW_BUCKET, Key: 'store' }));
  client.destroy();
  if (stored !== store.bytes) {
    throw new MmBackupError({ step: 'bench-s3-upload', code: 'BENCH_S3_SIZE',
      message: `MinIO stored ${stored} bytes of the ${store.bytes} uploaded`, fix: 'the server or the upload is broken: read the MinIO output above' });
  }
  return {
    m: { id: 's3_upload_raw', label: `lib-storage Upload alone, 5 MiB parts x4 (${cold ? 'cold' : 'warm'})`, seconds: wall, bytes: stored, mibPerSecond: store.bytes / MIB / wall },
    cold,
  };
}

/**
 * first: into the fresh repository; unchanged: again, cache emptied like the first, for the verdict;
 * unchanged-warm: once more straight after, cache left warm: what a store that fits in memory costs.
 */
type BackupRun = 'first' | 'unchanged' | 'unchanged-warm';

async function measureBackup(target: MmbackupTarget, server: BenchS3Server, store: FileStore, run: BackupRun, log: Log): Promise<{ m: Measurement; cold: boolean; totals: BackupTotals; snapshot: string }> {
  const cold = run === 'unchanged-warm' ? false : await dropCaches();
  const cache = cold ? 'cold' : 'warm';
  log(`mmbackup backup --only files ${run === 'first' ? 'into a fresh S3 repository' : 'again, nothing changed'} (${cache} cache)`);
  const backup = await runMmbackup(target, ['backup', '--only', 'files'], { env: server.env() });
  const { bytesWritten, chunksNew, chunksReused } = backup.json.snapshot.totals as BackupTotals;
  const common = { seconds: backup.seconds, bytes: bytesWritten, peakRssMB: backup.peakRssMB, cpuSeconds: backup.cpuSeconds };
  const m: Measurement =
    run === 'first' ? { id: 's3_mm_backup_files', label: `mmbackup backup --only files to S3 (${cache})`, ...common, mibPerSecond: store.bytes / MIB / backup.seconds }
    : run === 'unchanged' ? { id: 's3_mm_backup_unchanged', label: `mmbackup backup to S3, unchanged (${cache})`, ...common }
    : { id: 's3_mm_backup_unchanged_warm', label: `mmbackup backup to S3, unchanged (${cache})`, ...common };
  return { m, cold, totals: { bytesWritten, chunksNew, chunksReused }, snapshot: backup.json.snapshot.id as string };
}

async function measureRestore(target: MmbackupTarget, server: BenchS3Server, store: FileStore, snapshot: string, root: string, log: Log): Promise<Measurement> {
  const install = path.join(root, 'mm-restore');
  const cold = await dropCaches();
  log(`mmbackup restore --only files from S3 into an empty directory (${cold ? 'cold' : 'warm'} cache)`);
  const run = await runMmbackup(target, ['restore', snapshot, '--only', 'files', '--install-dir', install, '--files-dir', path.join(install, 'data')], { env: server.env() });
  await fs.rm(install, { recursive: true, force: true });
  return { id: 's3_mm_restore_files', label: `mmbackup restore --only files from S3 (${cold ? 'cold' : 'warm'})`, seconds: run.seconds, mibPerSecond: store.bytes / MIB / run.seconds, peakRssMB: run.peakRssMB, cpuSeconds: run.cpuSeconds };
}

/** restic into the same MinIO, then its restore from there. */
async function measureRestic(server: BenchS3Server, store: FileStore, root: string, log: Log): Promise<Measurement[]> {
  const target: ResticTarget = { ...server.restic(REPO_BUCKET, 'restic'), password: randomBytes(16).toString('hex') };
  await runRestic(target, ['init']);
  const cold = await dropCaches();
  log(`restic backup to S3 (${cold ? 'cold' : 'warm'} cache)`);
  const backup = await runRestic(target, ['backup', '--quiet', store.dir]);
  const restoreDir = path.join(root, 'restic-restore');
  const coldAgain = await dropCaches();
  log(`restic restore latest from S3 (${coldAgain ? 'cold' : 'warm'} cache)`);
  const restore = await runRestic(target, ['restore', 'latest', '--target', restoreDir]);
  await fs.rm(restoreDir, { recursive: true, force: true });
  return [
    { id: 's3_restic_backup_files', label: `restic backup to S3 (${cold ? 'cold' : 'warm'})`, seconds: backup.seconds, mibPerSecond: store.bytes / MIB / backup.seconds, peakRssMB: backup.peakRssMB },
    { id: 's3_restic_restore_files', label: `restic restore from S3 (${coldAgain ? 'cold' : 'warm'})`, seconds: restore.seconds, mibPerSecond: store.bytes / MIB / restore.seconds, peakRssMB: restore.peakRssMB },
  ];
}

/** The store (sized to the disk) and a Mattermost config pointing at it, in `root`. */
async function prepare(settings: BenchSettings, root: string, log: Log): Promise<{ store: FileStore; configFile: string; scaledDown?: string }> {
  const size = fitToDisk(settings.s3Files, plannedBytes(planStore({ files: settings.s3Files }, 1)), await freeBytes(settings.s3TempParent), settings.s3TempParent);
  if (size.scaledDown) log(`S3 case ${size.scaledDown}`);
  const store = await ensureFileStore(path.join(root, 'files'), { files: size.files }, log, { temporary: true });
  const dataSource = mattermostDataSource('postgres', { ...settings.server, database: settings.database });
  const { configFile } = await generateConfigDir(path.join(root, 'mattermost', 'config'), { dataSource, fileDirectory: store.dir });
  return { store, configFile, scaledDown: size.scaledDown };
}

export async function measureS3(settings: BenchSettings, log: Log): Promise<S3Runs> {
  const root = await fs.mkdtemp(path.join(settings.s3TempParent, 'mmbackup-bench-s3-'));
  let server: BenchS3Server | undefined;
  try {
    const { store, configFile, scaledDown } = await prepare(settings, root, log);
    server = await startBenchS3Server(path.join(root, 'minio'), [RAW_BUCKET, REPO_BUCKET]);
    log(`${server.version} listening on ${server.endpoint}, data in ${root}`);
    const s3 = server;
    const raw = await withServerCpu(s3, () => measureRawUpload(s3, store, log));
    const target: MmbackupTarget = { repo: server.repoUrl(REPO_BUCKET, 'mmbackup'), keyFile: path.join(root, 'mmbackup.key'), configFile };
    await runMmbackup(target, ['init'], { env: server.env() });
    const first = await withServerCpu(s3, () => measureBackup(target, s3, store, 'first', log));
    const again = await withServerCpu(s3, () => measureBackup(target, s3, store, 'unchanged', log));
    const warm = await measureBackup(target, s3, store, 'unchanged-warm', log);
    const restore = await measureRestore(target, s3, store, first.snapshot, root, log);
    const restic = await measureRestic(s3, store, root, log);
    return {
      measurements: [raw.m, first.m, again.m, warm.m, restore, ...restic],
      facts: { server: `${server.version} on loopback, in a child process`, tempDir: root, files: store.files, bytes: store.bytes,
        cache: raw.cold && first.cold && again.cold ? 'cold' : 'warm', scaledDown, first: first.totals, unchanged: again.totals,
        serverCpuSeconds: { upload: raw.serverCpu, first: first.serverCpu, unchanged: again.serverCpu } },
    };
  } finally {
    await server?.stop();
    await fs.rm(root, { recursive: true, force: true });
  }
}
