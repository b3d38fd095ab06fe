/**
 * The database measurements: the standard `pg_dump -Fc` procedure, the `pg_dump -Fp > /dev/null` floor
 * (the fastest any plain-SQL backup can be), `pg_dump -Fp | restic backup --stdin`, `mmbackup backup
 * --only db` into a fresh repository, then
 * `pg_restore` against `mmbackup restore --only db`, each into a scratch database dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createScratchDatabase, dropScratchDatabase } from './bench-database';
import { diskUsage, fileSize, medianRun, timeCommand } from './measure';
import { runMmbackup, type MmbackupTarget } from './mmbackup';
import type { Measurement } from './report';
import { runRestic, type ResticTarget } from './restic';
import { databaseUrl, libpqEnv, type BenchSettings } from './settings';

type Log = (line: string) => void;

export interface DbRunContext {
  settings: BenchSettings;
  target: MmbackupTarget;
  log: Log;
}

/** Facts about the mmbackup db backup that are not timings: kept in results.json. */
export interface DbBackupFacts {
  plainDumpBytes: number;
  bytesWritten: number;
  chunks: number;
}

export function dumpFile(settings: BenchSettings): string {
  return path.join(settings.benchDir, 'bench.dump');
}

async function pgDumpFc({ settings }: DbRunContext): Promise<Measurement> {
  const file = dumpFile(settings);
  const seconds = await timeCommand('bench-pg-dump-fc', { cmd: 'pg_dump', args: ['-Fc', '-f', file, '-d', settings.database], env: libpqEnv(settings) });
  return { id: 'pg_dump_fc', label: 'pg_dump -Fc -f bench.dump', seconds, bytes: await fileSize(file) };
}

async function pgDumpFloor({ settings }: DbRunContext): Promise<Measurement> {
  const seconds = await timeCommand('bench-pg-dump-floor', { cmd: 'pg_dump', args: ['-Fp', '-d', settings.database], env: libpqEnv(settings) });
  return { id: 'pg_dump_floor', label: 'pg_dump -Fp > /dev/null (floor)', seconds };
}

/** A fresh repository and key, so that nothing is deduplicated against an earlier run. */
export async function freshRepository(target: MmbackupTarget): Promise<void> {
  await fs.rm(target.repo, { recursive: true, force: true });
  await fs.rm(target.keyFile, { force: true });
  await runMmbackup(target, ['init']);
}

async function mmbackupDb({ target }: DbRunContext): Promise<Measurement & { facts: DbBackupFacts }> {
  await freshRepository(target);
  const run = await runMmbackup(target, ['backup', '--only', 'db']);
  const snapshot = run.json.snapshot;
  return {
    id: 'mm_backup_db', label: 'mmbackup backup --only db', seconds: run.seconds, bytes: await diskUsage(target.repo),
    peakRssMB: run.peakRssMB, cpuSeconds: run.cpuSeconds,
    facts: { plainDumpBytes: snapshot.components.db.dump.size, bytesWritten: snapshot.totals.bytesWritten, chunks: snapshot.totals.chunksNew },
  };
}

/** `pg_dump -Fp | restic backup --stdin` into a fresh restic repository: what an admin would script with restic. */
async function resticDb({ settings }: DbRunContext): Promise<Measurement> {
  const restic: ResticTarget = { repository: path.join(settings.benchDir, 'restic-db'), password: randomBytes(16).toString('hex') };
  await fs.rm(restic.repository, { recursive: true, force: true });
  await runRestic(restic, ['init']);
  const run = await runRestic(restic, ['backup', '--quiet', '--stdin', '--stdin-filename', 'mattermost.sql'], { cmd: 'pg_dump', args: ['-Fp', '-d', settings.database], env: libpqEnv(settings) });
  const bytes = await diskUsage(restic.repository);
  await fs.rm(restic.repository, { recursive: true, force: true });
  return { id: 'restic_backup_db', label: 'pg_dump -Fp | restic backup --stdin', seconds: run.seconds, bytes, peakRssMB: run.peakRssMB };
}

/**
 * pg_dump -Fc, the floor and mmbackup, `settings.rounds` times in turn, each reported by its median run:
 * single runs of a few seconds vary by 10% and more, and interleaving spreads any drift (autovacuum,
 * a neighbour's I/O) over all three. The last round's repository stays for the restore.
 */
export async function measureDbBackups(ctx: DbRunContext): Promise<{ measurements: Measurement[]; facts: DbBackupFacts }> {
  const runs: { fc: Measurement[]; floor: Measurement[]; restic: Measurement[]; mm: Array<Measurement & { facts: DbBackupFacts }> } = { fc: [], floor: [], restic: [], mm: [] };
  for (let round = 1; round <= ctx.settings.rounds; round++) {
    ctx.log(`round ${round}/${ctx.settings.rounds}: pg_dump -Fc, pg_dump -Fp > /dev/null, pg_dump -Fp | restic backup --stdin, mmbackup backup --only db (fresh repositories)`);
    runs.fc.push(await pgDumpFc(ctx));
    runs.floor.push(await pgDumpFloor(ctx));
    runs.restic.push(await resticDb(ctx));
    runs.mm.push(await mmbackupDb(ctx));
  }
  const { facts, ...mm } = medianRun(runs.mm);
  return { measurements: [medianRun(runs.fc), medianRun(runs.floor), medianRun(runs.restic), mm], facts };
}

/** Both restores of the same data; the scratch databases are dropped whatever happens. */
export async function measureRestores({ settings, target, log }: DbRunContext): Promise<Measurement[]> {
  const { pgRestoreDb, mmRestoreDb } = settings;
  try {
    await createScratchDatabase(settings, pgRestoreDb);
    log(`pg_restore -d ${pgRestoreDb} .bench/bench.dump`);
    const pg = await timeCommand('bench-pg-restore', { cmd: 'pg_restore', args: ['-d', pgRestoreDb, dumpFile(settings)], env: libpqEnv(settings) });
    await dropScratchDatabase(settings, pgRestoreDb);
    await dropScratchDatabase(settings, mmRestoreDb);
    log(`mmbackup restore latest --only db --db .../${mmRestoreDb}`);
    // --db is how an admin names a new server; a BENCH_DB_URL password is then on this command line, as it would be there.
    const mm = await runMmbackup(target, ['restore', 'latest', '--only', 'db', '--db', databaseUrl(settings, mmRestoreDb)]);
    return [
      { id: 'pg_restore', label: 'pg_restore -d <scratch> bench.dump', seconds: pg },
      { id: 'mm_restore_db', label: 'mmbackup restore latest --only db', seconds: mm.seconds, peakRssMB: mm.peakRssMB, cpuSeconds: mm.cpuSeconds },
    ];
  } finally {
    await dropScratchDatabase(settings, pgRestoreDb).catch((err) => log(`could not drop ${pgRestoreDb}: ${err}`));
    await dropScratchDatabase(settings, mmRestoreDb).catch((err) => log(`could not drop ${mmRestoreDb}: ${err}`));
  }
}
