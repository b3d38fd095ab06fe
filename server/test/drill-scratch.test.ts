/**
 * Drills clean up after themselves and check for room first, on the real PostgreSQL:
 * - a drill killed (SIGKILL) while its scratch database exists leaves it and its scratch directory; the
 *   next drill drops both, says so, and leaves another host's scratch database alone;
 * - a scratch disk or database server without room refuses the drill before anything is created.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import type { Reporter } from '../src/common/reporter';
import { silentReporter } from '../src/common/reporter';
import { LocalDestination } from '../src/destinations/local';
import { runDrill } from '../src/engine/drill';
import { ownerTag, SCRATCH_DB_PREFIX } from '../src/engine/drill-scratch';
import { passphraseSecret } from '../src/repository/keys';
import { Repository } from '../src/repository/repository';
import { findSnapshot } from '../src/repository/snapshots';
import { postgresDriver } from '../src/sources/postgres';
import { requireBuild, runCli, startCli } from './support/cli';
import { createInstallation, PASSPHRASE, SERVERS, type TestInstallation } from './support/installation';

let inst: TestInstallation;
const server = { ...SERVERS.postgres, password: undefined, database: 'postgres' };
const OTHER_HOST_DB = `${SCRATCH_DB_PREFIX}0123456789_4242_${Date.now().toString(16).slice(-8)}`;

async function sql(query: string): Promise<void> {
  const client = new Client({ host: server.host, port: server.port, user: server.user, database: 'postgres' });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

const ourScratch = async (pid?: number) => (await postgresDriver.listDatabases(server, `${SCRATCH_DB_PREFIX}${ownerTag()}_${pid ?? ''}`));
const ourDirs = async (pid: number) => (await fs.readdir(os.tmpdir())).filter((n) => n.startsWith(`mmbackup-drill-${ownerTag()}-${pid}-`));

beforeAll(async () => {
  requireBuild();
  inst = await createInstallation('postgres', { posts: 300, extraFiles: 4 });
  expect((await runCli([...inst.args, 'init'])).code).toBe(0);
  expect((await runCli([...inst.args, 'backup'])).code).toBe(0);
  await sql(`CREATE DATABASE ${OTHER_HOST_DB}`);
});
afterAll(async () => {
  await sql(`DROP DATABASE IF EXISTS ${OTHER_HOST_DB}`).catch(() => {});
  await inst?.cleanup();
});

test('the scratch database and directory of a killed drill are removed by the next drill; another host\'s are left alone', async () => {
  const { child, result } = startCli([...inst.args, 'verify', 'latest', '--drill']);
  const pid = child.pid!;
  const deadline = Date.now() + 60_000;
  while ((await ourScratch(pid)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(await ourScratch(pid)).toHaveLength(1);
  child.kill('SIGKILL');
  await result;
  const [leftDb] = await ourScratch(pid);
  expect(await ourDirs(pid)).toHaveLength(1);

  const next = await runCli([...inst.args, 'verify', 'latest', '--drill']);
  expect(next.code).toBe(0);
  expect(next.stderr).toContain(`removed database "${leftDb}", left behind by a drill that was killed`);
  expect(next.stderr).toMatch(new RegExp(`removed ${os.tmpdir()}/mmbackup-drill-${ownerTag()}-${pid}-\\w{6}, left behind by a drill that was killed`));
  expect(await ourScratch(pid)).toEqual([]);
  expect(await ourDirs(pid)).toEqual([]);
  expect(await postgresDriver.listDatabases(server, OTHER_HOST_DB)).toEqual([OTHER_HOST_DB]);
  expect(await ourScratch()).toEqual([]); // the good drill dropped its own
});

describe('room for the drill', () => {
  let repository: Repository;
  let warnings: string[];
  let reporter: Reporter;
  beforeEach(async () => {
    repository = await Repository.open(new LocalDestination(inst.repo), passphraseSecret(PASSPHRASE));
    warnings = [];
    reporter = { ...silentReporter, warn: (l) => void warnings.push(l) };
  });
  afterEach(() => jest.restoreAllMocks());

  /** statfs as the disk would answer when `dir` (and only it) had `free` bytes left. */
  function fullDisk(match: (dir: string) => boolean, free: number): void {
    const statfs = fs.statfs;
    jest.spyOn(fs, 'statfs').mockImplementation((async (dir: string) => {
      const st = await statfs(dir);
      return match(String(dir)) ? { ...st, bavail: Math.floor(free / st.bsize) } : st;
    }) as typeof fs.statfs);
  }

  test('a scratch disk without room for the file store refuses the drill before anything is created', async () => {
    const snapshot = await findSnapshot(repository, 'latest');
    fullDisk((dir) => dir === os.tmpdir(), 1024 * 1024);
    const err = await runDrill(repository, snapshot, { ...inst.connection }, reporter).catch((e) => e);
    expect(err.code).toBe('DRILL_SPACE_LOW');
    expect(err.message).toMatch(/the scratch directory's disk \(.*\) has 1\.0 MiB free, but the drill needs about [\d.]+ MiB there/);
    expect(err.fix).toMatch(/set TMPDIR/);
    expect(await ourScratch(process.pid)).toEqual([]);
    expect(await ourDirs(process.pid)).toEqual([]);
  });

  test('a database server whose data directory lacks room refuses the drill', async () => {
    const snapshot = await findSnapshot(repository, 'latest');
    const dataDir = await postgresDriver.dataDirectory(inst.connection);
    expect(dataDir).toBeDefined(); // the test server runs on this host and we connect as a superuser
    fullDisk((dir) => dir === dataDir, 4096);
    const err = await runDrill(repository, snapshot, { ...inst.connection }, reporter).catch((e) => e);
    expect(err.code).toBe('DRILL_SPACE_LOW');
    expect(err.message).toContain(`the database server's data directory ${dataDir} has 0.0 MiB free`);
    expect(await ourScratch(process.pid)).toEqual([]);
  });
});
