/**
 * `make bench`: how `mmbackup backup --only db` compares with pg_dump and with `pg_dump | restic backup
 * --stdin` on a ~1 GB Mattermost-shaped PostgreSQL database, how its restore compares with pg_restore, how
 * its file store backup and restore compare with restic's (installed from Debian when missing) and with
 * tar | zstd, and, against MinIO, how a ~1 GiB backup to S3 compares with lib-storage uploading the
 * same bytes and how long a second backup of the unchanged 10,000-file store takes. Prints a table with
 * the targets marked PASS/MISS and writes .bench/results.json.
 *
 *   settings ─> bench-database (cached DB) ─> file-store (cached files) ─> installation (config.json)
 *            ─> db-runs (pg_dump -Fc, floor, mmbackup, restores) ─> files-runs (cold cache)
 *            ─> s3-runs (temp store, MinIO child; raw upload, first and unchanged backup, restore, restic)
 *            ─> recovery (a real Mattermost's database: pg_restore vs mmbackup restore, each then booted)
 *            ─> [cpu profile when BENCH_CPU_PROF=1] ─> report (table, verdicts) ─> results.json
 *
 * Env: BENCH_DB_NAME (the cached database, default mmbackup_bench), BENCH_POSTS (posts to generate), BENCH_DB_URL (the PostgreSQL server), BENCH_FILE_BYTES (file store
 * size), BENCH_ROUNDS (repetitions of each backup measurement, default 3), BENCH_CPU_PROF=1 (profile one
 * extra db backup), BENCH_S3=0 (skip the S3 case), BENCH_S3_FILES (its store's files, default 10,000),
 * TMPDIR (where the S3 case's temp directory goes). The S3 case runs MinIO, which build/ensure-minio.sh
 * builds into .tools/ (make test-servers), and restic from Debian's package. Exits 0 even when a target is
 * missed; 1 when a step fails.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { asMmBackupError } from '../common/errors';
import { ensureBenchDatabase } from './bench-database';
import { summarizeProfileDir, type HotFunction } from './cpu-profile';
import { freshRepository, measureDbBackups, measureRestores, type DbRunContext } from './db-runs';
import { ensureFileStore } from './file-store';
import { measureFileStore } from './files-runs';
import { measureS3 } from './s3-runs';
import { measureRecovery, recoveryLines } from './recovery';
import { ensureInstallation } from './installation';
import { runMmbackup, type MmbackupTarget } from './mmbackup';
import { compare, formatReport, type BenchResults } from './report';
import { ensureRestic } from './restic';
import { benchSettings } from './settings';

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** One more db backup under --cpu-prof, separate from the timed one because profiling slows it down. */
async function profileDbBackup(benchDir: string, configFile: string): Promise<{ file: string; hot: HotFunction[] }> {
  const target: MmbackupTarget = { repo: path.join(benchDir, 'repo-profile'), keyFile: path.join(benchDir, 'profile.key'), configFile };
  const dir = path.join(benchDir, 'profile');
  await fs.rm(dir, { recursive: true, force: true });
  await freshRepository(target);
  log('mmbackup backup --only db under node --cpu-prof');
  await runMmbackup(target, ['backup', '--only', 'db'], { cpuProfileDir: dir });
  await fs.rm(target.repo, { recursive: true, force: true });
  return summarizeProfileDir(dir);
}

async function run(): Promise<void> {
  const started = Date.now();
  const loadAverage = os.loadavg()[0];
  const settings = benchSettings();
  await fs.mkdir(settings.benchDir, { recursive: true });
  log(`restic: ${await ensureRestic(log)}`);
  const db = await ensureBenchDatabase(settings, log);
  log(`database ${settings.database}: ${(db.sizeBytes / 2 ** 30).toFixed(2)} GiB, ${db.posts.toLocaleString('en-US')} posts${db.reused ? ' (cached)' : ''}`);
  const store = await ensureFileStore(path.join(settings.benchDir, 'files'), { bytes: settings.fileStoreBytes }, log);
  log(`file store: ${store.files} files, ${(store.bytes / 2 ** 20).toFixed(0)} MiB${store.reused ? ' (cached)' : ''}`);
  const install = await ensureInstallation(settings, store.dir);
  const target: MmbackupTarget = { repo: path.join(settings.benchDir, 'repo'), keyFile: path.join(settings.benchDir, 'mmbackup.key'), configFile: install.configFile };
  const ctx: DbRunContext = { settings, target, log };

  const backups = await measureDbBackups(ctx);
  const restores = await measureRestores(ctx);
  // Last: dropping the page cache would also evict the database's pages from the runs above.
  const files = await measureFileStore(store, target, settings.benchDir, settings.rounds, log);
  const s3 = settings.s3 ? await measureS3(settings, log) : undefined;
  const recovery = await measureRecovery(settings, log); // ./recovery.ts: restore, then a real Mattermost booted
  const profile = settings.cpuProfile ? await profileDbBackup(settings.benchDir, install.configFile) : undefined;

  const measurements = [...backups.measurements, ...restores, ...files.measurements, ...(s3?.measurements ?? [])];
  const results: BenchResults = {
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: { cpus: os.cpus().length, memoryBytes: os.totalmem(), node: process.version, loadAverage },
    database: { name: settings.database, posts: db.posts, sizeBytes: db.sizeBytes, reused: db.reused, ...backups.facts },
    fileStore: { dir: store.dir, files: store.files, bytes: store.bytes, reused: store.reused, cache: files.coldCache ? 'cold' : 'warm' },
    measurements,
    comparisons: compare(measurements),
    cpuProfile: profile,
    s3: s3?.facts,
  };
  await fs.writeFile(path.join(settings.benchDir, 'results.json'), `${JSON.stringify({ ...results, recovery }, null, 2)}\n`);
  process.stdout.write(`\n${formatReport(results)}\n\n${recoveryLines(recovery).join('\n')}\n\nresults written to .bench/results.json\n`);
}

// A promise that can never settle (a child whose end we miss) would let Node exit 0 with no report.
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  process.stderr.write('bench failed: a step never finished (nothing left to wait for); this is a bug in the benchmark\n');
  process.exit(1);
});

run().then(
  () => {
    settled = true;
    process.exit(0);
  },
  (err: unknown) => {
    settled = true;
    const failure = asMmBackupError(err, 'bench');
    process.stderr.write(`bench failed: ${failure.describe()}\n`);
    process.exit(1);
  },
);
