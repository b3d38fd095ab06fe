/**
 * Crash tests that count. Backups, prunes and copies run through the CLI against a local and an S3
 * repository (the copies into a second repository of the same kind) and are killed with SIGKILL at random
 * moments of their run; between them the file store changes, so backups write new data and prunes reclaim
 * some. A run that is not killed must succeed without `mmbackup unlock`, whatever the killed ones left.
 * Afterwards every listed snapshot of both repositories must pass `verify --read-data` (no killed run left
 * a snapshot naming missing data), and one more backup, prune and copy must succeed.
 *
 * The counts are printed (kills per operation, snapshots, problems). CRASH_LOOP_KILLS (default 18 per
 * repository kind, so 36 in all) sets how many kills each kind gets; each operation is killed at least twice.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateConfigDir } from '../src/demo/generate-config-dir';
import { openDestination } from '../src/destinations/open';
import { requireBuild, runCli, startCli, type CliResult } from './support/cli';
import { startS3Server, type S3TestServer } from './support/s3';

const KILLS_PER_KIND = Number(process.env.CRASH_LOOP_KILLS ?? 18);
const PASSPHRASE = 'crash loop passphrase';
type Operation = 'backup' | 'prune' | 'copy';
const OPERATIONS: Operation[] = ['backup', 'prune', 'copy'];
/** Each operation is killed at least this often in each repository kind. */
const MIN_KILLS_PER_OPERATION = 2;

let root: string;
let s3: S3TestServer;

beforeAll(async () => {
  requireBuild();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-crash-'));
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

interface Counts {
  kills: Record<Operation, number>;
  /** Kills that left the killed run's lock behind (it was killed while holding it, mid-work). */
  killedHoldingLock: number;
  completed: Record<Operation, number>;
  snapshots: number;
  copiedSnapshots: number;
  /** Both repositories passed verify --read-data at the end. */
  verified: boolean;
  problems: string[];
}

/** A small Mattermost install (config.json + file store) whose store changes a little before each backup. */
async function makeInstall(dir: string): Promise<{ configFile: string; dataDir: string }> {
  const { configFile } = await generateConfigDir(path.join(dir, 'config'), { dataSource: 'postgres://mm:unused@127.0.0.1:5432/unused?sslmode=disable' });
  const dataDir = path.join(dir, 'data');
  for (let i = 0; i < 30; i++) {
    const sub = path.join(dataDir, `2026120${i % 5}`, 'teams', `t${i % 3}`);
    await fs.mkdir(sub, { recursive: true });
    await fs.writeFile(path.join(sub, `file-${i}.bin`), randomBytes(i % 4 === 0 ? 600_000 : 5_000));
  }
  return { configFile, dataDir };
}

async function churn(dataDir: string, step: number): Promise<void> {
  const dir = path.join(dataDir, 'churn');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, `new-${step}.bin`), randomBytes(1_000_000 + (step % 3) * 500_000));
  const old = (await fs.readdir(dir)).sort();
  if (old.length > 3) await fs.rm(path.join(dir, old[0]));
}

/** When the process printed its first step line (it has started working). */
function firstOutput(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.stderr!.once('data', () => resolve(Date.now()));
    child.once('exit', () => resolve(Date.now()));
  });
}

function describeFailure(op: string, r: CliResult): string {
  return `${op} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`;
}

async function holdsLocks(repoUrl: string, env: Record<string, string>): Promise<boolean> {
  const destination = openDestination(repoUrl, { env: { ...process.env, ...env }, onRetry: () => {} });
  for await (const _ of destination.list('locks/')) return true;
  return false;
}

async function crashLoop(kind: 'local' | 's3'): Promise<Counts> {
  const dir = path.join(root, kind);
  const { configFile, dataDir } = await makeInstall(dir);
  await fs.writeFile(path.join(dir, 'passphrase'), PASSPHRASE, { mode: 0o600 });
  const env = kind === 's3' ? s3.env() : {};
  let repo = path.join(dir, 'repo');
  let copyRepo = path.join(dir, 'copy');
  if (kind === 's3') {
    const bucket = await s3.bucket(`crash-${randomBytes(4).toString('hex')}`);
    [repo, copyRepo] = [s3.repoUrl(bucket, 'main'), s3.repoUrl(bucket, 'offsite')];
  }
  const base = ['--mattermost-config', configFile, '--repo', repo, '--passphrase-file', path.join(dir, 'passphrase')];
  const args: Record<Operation, string[]> = {
    backup: [...base, 'backup', '--only', 'files'],
    prune: [...base, 'prune', '--keep-last', '3'],
    copy: [...base, 'copy', '--to', copyRepo],
  };
  const counts: Counts = { kills: { backup: 0, prune: 0, copy: 0 }, killedHoldingLock: 0, completed: { backup: 0, prune: 0, copy: 0 }, snapshots: 0, copiedSnapshots: 0, verified: true, problems: [] };
  expect((await runCli([...base, 'init'], env)).code).toBe(0);

  // How long each operation works when left alone, counted from its first step line on stderr (before
  // it, the process is only starting up): the kills fall anywhere within that work.
  const work: Record<Operation, number> = { backup: 0, prune: 0, copy: 0 };
  for (const op of ['backup', 'backup', 'copy', 'prune'] as Operation[]) {
    await churn(dataDir, counts.completed.backup);
    const { child, result } = startCli(args[op], env);
    const working = firstOutput(child);
    const r = await result;
    work[op] = Math.max(work[op], Date.now() - (await working));
    if (r.code === 0) counts.completed[op]++;
    else counts.problems.push(describeFailure(op, r));
  }

  // Until the kills are in and each operation has its share: a run that outlives its kill time (a copy
  // with little left to copy, say) teaches the loop how long that operation works now, so later kills land.
  let kills = 0;
  const enough = () => kills >= KILLS_PER_KIND && OPERATIONS.every((op) => counts.kills[op] >= MIN_KILLS_PER_OPERATION);
  for (let step = 0; !enough() && step < KILLS_PER_KIND * 10; step++) {
    const op = OPERATIONS[step % OPERATIONS.length];
    if (op === 'backup') await churn(dataDir, step);
    const killAfter = Math.round(work[op] * Math.random() * 1.1);
    const { child, result } = startCli(args[op], env);
    let timer: NodeJS.Timeout | undefined;
    const working = firstOutput(child);
    void working.then(() => (timer = setTimeout(() => child.kill('SIGKILL'), killAfter)));
    const r = await result;
    clearTimeout(timer);
    if (r.code === null) {
      counts.kills[op]++;
      kills++;
      if (await holdsLocks(op === 'copy' ? copyRepo : repo, env)) counts.killedHoldingLock++;
    } else if (r.code === 0) {
      counts.completed[op]++;
      work[op] = Date.now() - (await working);
    } else {
      counts.problems.push(describeFailure(op, r)); // a run that was not killed must succeed, unlock or not
    }
    // Every few kills, a run left alone must succeed over whatever the killed ones left.
    if (step % 4 === 3) {
      const alone = OPERATIONS[(step / 4) % 3 | 0];
      const check = await runCli(args[alone], env);
      if (check.code === 0) counts.completed[alone]++;
      else counts.problems.push(describeFailure(`${alone} after kills`, check));
    }
  }

  // The next backup, prune and copy succeed without mmbackup unlock.
  for (const op of ['backup', 'prune', 'copy'] as Operation[]) {
    const r = await runCli(args[op], env);
    if (r.code === 0) counts.completed[op]++;
    else counts.problems.push(describeFailure(`final ${op}`, r));
  }
  // Every listed snapshot, in both repositories, reads back whole.
  for (const [which, repoUrl] of [['main', repo], ['copy', copyRepo]] as const) {
    const repoArgs = ['--repo', repoUrl, '--passphrase-file', path.join(dir, 'passphrase')];
    const list = await runCli([...repoArgs, '--json', 'list'], env);
    const ids: string[] = list.json().map((s: { id: string }) => s.id);
    if (which === 'main') counts.snapshots = ids.length;
    else counts.copiedSnapshots = ids.length;
    const verify = await runCli([...repoArgs, 'verify', '--read-data'], env);
    if (verify.code !== 0) counts.verified = false;
    if (verify.code !== 0) counts.problems.push(describeFailure(`verify --read-data of the ${which} repository (${ids.length} snapshots)`, verify));
    if (list.stderr.includes('warning')) counts.problems.push(`list of the ${which} repository warned: ${list.stderr.trim()}`);
  }
  return counts;
}

const totals: Array<[string, Counts]> = [];

afterAll(() => {
  const lines = totals.map(([kind, c]) =>
    `crash loop ${kind}: kills backup ${c.kills.backup}, prune ${c.kills.prune}, copy ${c.kills.copy} (${c.kills.backup + c.kills.prune + c.kills.copy} in all, ${c.killedHoldingLock} while holding the lock); ` +
      `runs completed backup ${c.completed.backup}, prune ${c.completed.prune}, copy ${c.completed.copy}; ` +
      `snapshots ${c.snapshots} (copy ${c.copiedSnapshots}), verify --read-data of both ${c.verified ? 'passed' : 'FAILED'}; problems ${c.problems.length}${c.problems.length ? `: ${c.problems.join('; ')}` : ''}`,
  );
  process.stdout.write(`\n${lines.join('\n')}\n`);
});

test.each(['local', 's3'] as const)('%s: SIGKILLed backups, prunes and copies leave only complete snapshots, and no lock in the way', async (kind) => {
  const counts = await crashLoop(kind);
  totals.push([kind, counts]);
  expect(counts.problems).toEqual([]);
  expect(counts.kills.backup + counts.kills.prune + counts.kills.copy).toBeGreaterThanOrEqual(KILLS_PER_KIND);
  for (const op of OPERATIONS) expect(counts.kills[op]).toBeGreaterThan(0);
  expect(counts.killedHoldingLock).toBeGreaterThan(0); // some kills fell mid-work, and their locks did not block the next runs
  expect(counts.snapshots).toBeGreaterThan(0);
  expect(counts.copiedSnapshots).toBeGreaterThan(0);
}, 240_000);
