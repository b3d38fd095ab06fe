/**
 * A drill's scratch database and directory: named so that the next drill can tell whose they are, removed
 * by that next drill when the drill that made them was killed, and created only when there is room.
 *
 * Names carry an owner tag (a hash of the hostname, kernel boot and pid namespace: see processNamespace()
 * in ../common/child-process.ts) and the pid: database "mmbackup_drill_<tag>_<pid>_<8 hex>", directory
 * "<tmp>/mmbackup-drill-<tag>-<pid>-<6 chars>". A leftover is removed only when its tag is ours and its
 * process is gone; another host's drill (the database server is shared in a cluster) is left alone.
 *
 * Room: the scratch directory needs the file store's size (statfs of its disk). The database needs about
 * the larger of the dump's size and the source database's size on its server (tables and indexes), half
 * again for margin; its server's free space is measured when the server is on this host and tells its
 * data directory, and otherwise said to be unmeasured.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processIsAlive, processNamespace } from '../common/child-process';
import { MmBackupError } from '../common/errors';
import type { Reporter } from '../common/reporter';
import type { DbConnection } from '../mattermost/types';
import type { SnapshotManifest } from '../repository/snapshots';
import { driverFor } from '../sources/drivers';

export const SCRATCH_DB_PREFIX = 'mmbackup_drill_';
const SCRATCH_DB = /^mmbackup_drill_([0-9a-f]{10})_(\d+)_[0-9a-f]{8}$/;
const SCRATCH_DIR = /^mmbackup-drill-([0-9a-f]{10})-(\d+)-[A-Za-z0-9]{6}$/;

export function ownerTag(): string {
  return createHash('sha256').update(`${os.hostname()}/${processNamespace()}`).digest('hex').slice(0, 10);
}

export function scratchDatabaseName(): string {
  return `${SCRATCH_DB_PREFIX}${ownerTag()}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export function makeScratchDirectory(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `mmbackup-drill-${ownerTag()}-${process.pid}-`));
}

/** True when a leftover named with (tag, pid) belongs to a process of ours that is gone. */
function leftBehind(tag: string, pid: number): boolean {
  if (!processNamespace() || tag !== ownerTag()) return false;
  return pid === process.pid ? true : !processIsAlive(pid); // our pid: an earlier drill of this process, or a previous life of it
}

/** Drops scratch databases and directories that killed drills of this host left behind. */
export async function removeDrillLeftovers(server: DbConnection | undefined, reporter: Reporter): Promise<{ databases: string[]; directories: string[] }> {
  const removed = { databases: [] as string[], directories: [] as string[] };
  for (const name of await fs.readdir(os.tmpdir()).catch(() => [] as string[])) {
    const m = SCRATCH_DIR.exec(name);
    if (!m || !leftBehind(m[1], Number(m[2]))) continue;
    await fs.rm(path.join(os.tmpdir(), name), { recursive: true, force: true });
    removed.directories.push(path.join(os.tmpdir(), name));
  }
  if (!server) return removed;
  const driver = driverFor(server);
  for (const name of await driver.listDatabases(server, SCRATCH_DB_PREFIX)) {
    const m = SCRATCH_DB.exec(name);
    if (!m) {
      reporter.warn(`database "${name}" looks like the scratch database of an older drill; drop it by hand if no drill is running`);
      continue;
    }
    if (!leftBehind(m[1], Number(m[2]))) continue;
    await driver.dropDatabase({ ...server, database: name });
    removed.databases.push(name);
  }
  for (const what of [...removed.databases.map((d) => `database "${d}"`), ...removed.directories]) reporter.warn(`removed ${what}, left behind by a drill that was killed`);
  return removed;
}

async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const st = await fs.statfs(dir);
    return st.bavail * st.bsize;
  } catch {
    return undefined;
  }
}

function isLocalServer(server: DbConnection): boolean {
  return Boolean(server.socket) || ['127.0.0.1', '::1', 'localhost'].includes(server.host);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function spaceLow(where: string, free: number, needed: number, fix: string): MmBackupError {
  return new MmBackupError({ step: 'drill-space', code: 'DRILL_SPACE_LOW', message: `${where} has ${mib(free)} free, but the drill needs about ${mib(needed)} there`, fix });
}

/** Refuses the drill (DRILL_SPACE_LOW) when either scratch target lacks room; notes what it cannot measure. */
export async function checkDrillSpace(snapshot: SnapshotManifest, server: DbConnection | undefined, reporter: Reporter): Promise<void> {
  const files = snapshot.components.files?.roots.find((r) => r.name === 'data')?.bytes ?? 0;
  const scratchFree = files > 0 ? await freeBytes(os.tmpdir()) : undefined;
  if (scratchFree !== undefined && scratchFree < files) {
    throw spaceLow(`the scratch directory's disk (${os.tmpdir()})`, scratchFree, files, 'free space there, or set TMPDIR to a directory on a larger disk for the drill');
  }
  const db = snapshot.components.db;
  if (!db || !server) return;
  const driver = driverFor(server);
  const live = await driver.sizeOnServer(server).catch(() => 0); // the drill server may not hold the source database
  const needed = Math.round(Math.max(db.dump.size, live) * 1.5);
  const dataDir = isLocalServer(server) ? await driver.dataDirectory(server) : undefined;
  const serverFree = dataDir ? await freeBytes(dataDir) : undefined;
  if (serverFree === undefined) {
    reporter.info(`free space on the database server ${server.host} cannot be measured from here; the scratch database needs about ${mib(needed)}`);
    return;
  }
  if (serverFree < needed) {
    throw spaceLow(`the database server's data directory ${dataDir}`, serverFree, needed, 'free space on the database server, or drill on another server with --db-file / MMBACKUP_DRILL_DB');
  }
}
