/**
 * The recovery time of a real Mattermost: how long from "the backup exists" to "Mattermost answers healthy
 * on the restored data". Two ways, on the same database (./recovery-install.ts):
 *   - the admin's usual one: `pg_restore` of a `pg_dump -Fc` dump into a new database, then Mattermost booted;
 *   - `mmbackup restore latest` (database, config and files) onto a new database and install dir, then
 *     Mattermost booted on the restored config.
 * Boot is measured from spawning bin/mattermost to `GET /api/v4/system/ping?get_server_status=true` answering
 * OK with its database. The report says which part dominates. BENCH_RECOVERY=0 skips it;
 * BENCH_RECOVERY_POSTS sets the posts (default 1,000,000).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../common/free-port';
import { startMattermost } from '../mattermost/server-process';
import { mattermostDataSource } from '../demo/db-endpoint';
import { createScratchDatabase, dropScratchDatabase } from './bench-database';
import { fileSize, timeCommand } from './measure';
import { runMmbackup, type MmbackupTarget } from './mmbackup';
import { ensureRecoveryInstall, makeInstallDir, mattermostBuild, RECOVERY_DATABASE } from './recovery-install';
import { libpqEnv, type BenchSettings } from './settings';

type Log = (line: string) => void;

export interface RecoveryFacts {
  posts: number;
  databaseBytes: number;
  dumpBytes: number;
  firstBootSeconds: number;
  pgRestoreSeconds: number;
  /** pg_restore by section: tables (pre-data), rows (data), indexes and constraints (post-data). */
  pgSections: { preData: number; data: number; postData: number };
  pgRestoreBootSeconds: number;
  mmRestoreSeconds: number;
  mmRestoreBootSeconds: number;
}

export type RecoveryResult = { facts: RecoveryFacts } | { skipped: string };

const PG_SCRATCH = 'mmbackup_bench_mm_pgrestore';
const MM_SCRATCH = 'mmbackup_bench_mm_restore';

/** Boots Mattermost from `installDir` on `config` and stops it; returns the seconds to healthy. */
async function bootSeconds(installDir: string, config: string, log: Log, label: string): Promise<number> {
  const server = await startMattermost({ binary: { path: path.join(installDir, 'bin', 'mattermost'), installDir }, config, port: await freePort(), env: { HOME: installDir } });
  await server.stop();
  log(`${label}: Mattermost healthy after ${(server.bootMs / 1000).toFixed(1)} s`);
  return server.bootMs / 1000;
}

export async function measureRecovery(settings: BenchSettings, log: Log, env: NodeJS.ProcessEnv = process.env): Promise<RecoveryResult> {
  if (env.BENCH_RECOVERY === '0') return { skipped: 'BENCH_RECOVERY=0' };
  const { build, reason } = mattermostBuild(settings, log);
  if (!build) return { skipped: `no Mattermost build: ${reason}` };
  const posts = Number(env.BENCH_RECOVERY_POSTS ?? 1_000_000);
  const install = await ensureRecoveryInstall(settings, build, posts, log);
  const dir = path.join(settings.benchDir, 'recovery');
  // A real server has booted at least once: its first start finishes the data migrations a backup then carries.
  const firstBootSeconds = await bootSeconds(install.installDir, install.configFile, log, `${RECOVERY_DATABASE} (${(install.sizeBytes / 2 ** 20).toFixed(0)} MiB${install.reused ? ', cached' : ''})`);
  const target: MmbackupTarget = { repo: path.join(dir, 'repo'), keyFile: path.join(dir, 'mmbackup.key'), configFile: install.configFile };
  await fs.rm(target.repo, { recursive: true, force: true });
  await fs.rm(target.keyFile, { force: true });
  await runMmbackup(target, ['init']);
  log('mmbackup backup (db, config, files) of the recovery server');
  await runMmbackup(target, ['backup']);
  const dump = path.join(dir, 'bench-mm.dump');
  await timeCommand('bench-recovery-pg-dump', { cmd: 'pg_dump', args: ['-Fc', '-f', dump, '-d', RECOVERY_DATABASE], env: libpqEnv(settings) });
  const dataSource = (database: string) => mattermostDataSource('postgres', { ...settings.server, database });
  try {
    await createScratchDatabase(settings, PG_SCRATCH);
    log(`pg_restore -d ${PG_SCRATCH} bench-mm.dump by section (tables, rows, indexes), then Mattermost`);
    // Run section by section, the same work as one pg_restore, so the report can say where the time goes.
    const section = (name: string) => timeCommand(`bench-recovery-pg-restore-${name}`, { cmd: 'pg_restore', args: [`--section=${name}`, '-d', PG_SCRATCH, dump], env: libpqEnv(settings) });
    const pgSections = { preData: await section('pre-data'), data: await section('data'), postData: await section('post-data') };
    const pgRestoreSeconds = pgSections.preData + pgSections.data + pgSections.postData;
    const pgInstall = path.join(dir, 'pg-restored');
    const pgConfig = await makeInstallDir(pgInstall, build, dataSource(PG_SCRATCH));
    const pgRestoreBootSeconds = await bootSeconds(pgInstall, pgConfig, log, 'after pg_restore');
    await dropScratchDatabase(settings, PG_SCRATCH);

    await dropScratchDatabase(settings, MM_SCRATCH);
    const mmInstall = path.join(dir, 'mm-restored');
    const mmConfig = await makeInstallDir(mmInstall, build, dataSource(MM_SCRATCH));
    for (const sub of ['config/config.json']) await fs.rm(path.join(mmInstall, sub)); // a new server: only Mattermost installed
    log(`mmbackup restore latest onto ${MM_SCRATCH} and ${mmInstall}, then Mattermost`);
    const restore = await runMmbackup(target, ['restore', 'latest', '--db', dataSource(MM_SCRATCH), '--config-dir', path.join(mmInstall, 'config'), '--install-dir', mmInstall]);
    const mmRestoreBootSeconds = await bootSeconds(mmInstall, mmConfig, log, 'after mmbackup restore');
    return {
      facts: { posts, databaseBytes: install.sizeBytes, dumpBytes: await fileSize(dump), firstBootSeconds, pgRestoreSeconds, pgSections, pgRestoreBootSeconds, mmRestoreSeconds: restore.seconds, mmRestoreBootSeconds },
    };
  } finally {
    await dropScratchDatabase(settings, PG_SCRATCH).catch((err) => log(`could not drop ${PG_SCRATCH}: ${err}`));
    await dropScratchDatabase(settings, MM_SCRATCH).catch((err) => log(`could not drop ${MM_SCRATCH}: ${err}`));
  }
}

/** The report's lines: both recovery times, their parts, and which part dominates. */
export function recoveryLines(result: RecoveryResult): string[] {
  if ('skipped' in result) return [`recovery of a real Mattermost: not measured (${result.skipped})`];
  const f = result.facts;
  const s = (x: number) => `${x.toFixed(1)} s`;
  const mmTotal = f.mmRestoreSeconds + f.mmRestoreBootSeconds;
  const pgTotal = f.pgRestoreSeconds + f.pgRestoreBootSeconds;
  const restoreShare = (100 * f.mmRestoreSeconds) / mmTotal;
  const dominant = restoreShare >= 50
    ? `the database restore dominates (${restoreShare.toFixed(0)}% of the recovery); Mattermost boots on the restored data in ${s(f.mmRestoreBootSeconds)}`
    : `the boot dominates (${(100 - restoreShare).toFixed(0)}% of the recovery)`;
  const p = f.pgSections;
  const heaviest = p.postData >= p.data ? 'rebuilding the indexes and constraints' : 'loading the rows';
  return [
    `recovery of a real Mattermost (${f.posts.toLocaleString('en-US')} posts, ${(f.databaseBytes / 2 ** 20).toFixed(0)} MiB database, -Fc dump ${(f.dumpBytes / 2 ** 20).toFixed(0)} MiB; first boot of the source ${s(f.firstBootSeconds)}):`,
    `  mmbackup restore latest (db, config, files) ${s(f.mmRestoreSeconds)} + boot to healthy ${s(f.mmRestoreBootSeconds)} = ${s(mmTotal)}`,
    `  pg_restore of pg_dump -Fc (database only)      ${s(f.pgRestoreSeconds)} + boot to healthy ${s(f.pgRestoreBootSeconds)} = ${s(pgTotal)}`,
    `  recovery time: mmbackup / pg_restore ${(mmTotal / pgTotal).toFixed(2)}x; ${dominant}`,
    `  within a database restore (pg_restore by section): tables ${s(p.preData)}, rows ${s(p.data)}, indexes and constraints ${s(p.postData)}: ${heaviest} is the larger part`,
  ];
}
