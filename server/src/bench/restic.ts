/**
 * restic, the tool an admin would otherwise script, measured on the same data: Debian's package, installed
 * when missing (apt-get, as root). Every restic command runs under /usr/bin/time so its peak memory is
 * known, with the repository and password in its environment only (RESTIC_REPOSITORY, RESTIC_PASSWORD).
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { MmBackupError } from '../common/errors';
import { runCommand } from '../common/child-process';
import { seconds } from './measure';

type Log = (line: string) => void;

export interface ResticTarget {
  /** A local path or s3:http://host:port/bucket/prefix. */
  repository: string;
  password: string;
  /** Added to the environment, e.g. AWS_ACCESS_KEY_ID for an S3 repository. */
  env?: Record<string, string>;
}

export interface ResticRun {
  seconds: number;
  peakRssMB: number;
  stdout: string;
}

/** The installed restic's version line, installing Debian's package first when there is none. */
export async function ensureRestic(log: Log): Promise<string> {
  const probe = await runCommand('restic', ['version']).catch(() => undefined);
  if (probe?.exitCode === 0) return probe.stdout.trim();
  if (process.getuid?.() !== 0) {
    throw new MmBackupError({ step: 'bench-restic', code: 'BENCH_TOOL_MISSING', message: 'restic is not installed and this is not root, so it cannot be installed here', fix: 'run apt-get install -y restic as root, or run make bench as root' });
  }
  log('restic is missing: apt-get install -y restic');
  const install = await runCommand('apt-get', ['install', '-y', '-q', 'restic'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install.exitCode !== 0) {
    throw new MmBackupError({ step: 'bench-restic', code: 'BENCH_TOOL_MISSING', message: `apt-get install restic failed: ${install.stderrTail.at(-1) ?? install.exitCode}`, fix: 'run apt-get update, then make bench again' });
  }
  return (await runCommand('restic', ['version'])).stdout.trim();
}

function env(target: ResticTarget): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR } = process.env;
  return { PATH, HOME, TMPDIR, RESTIC_REPOSITORY: target.repository, RESTIC_PASSWORD: target.password, RESTIC_CACHE_DIR: `${HOME ?? '/tmp'}/.cache/restic-bench`, ...target.env };
}

/**
 * Runs `restic <args>`; with `stdinFrom`, that command's stdout is restic's stdin (pg_dump | restic backup
 * --stdin). Resolves with wall seconds (both, when piped), restic's peak RSS and its stdout.
 */
export async function runRestic(target: ResticTarget, args: string[], stdinFrom?: { cmd: string; args: string[]; env?: NodeJS.ProcessEnv }): Promise<ResticRun> {
  const timeFile = `/tmp/restic-bench-time-${process.pid}-${Date.now()}`;
  const started = process.hrtime.bigint();
  const feeder = stdinFrom ? spawn(stdinFrom.cmd, stdinFrom.args, { env: stdinFrom.env, stdio: ['ignore', 'pipe', 'ignore'] }) : undefined;
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, 'restic', ...args], { env: env(target), stdio: [feeder ? feeder.stdout! : 'ignore', 'pipe', 'pipe'] });
  feeder?.stdout?.destroy();
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const [code, fed] = await Promise.all([
    new Promise<number | null>((resolve) => child.on('close', resolve)),
    feeder ? new Promise<number | null>((resolve) => feeder.on('close', resolve)) : Promise.resolve(0),
  ]);
  const wall = seconds(started);
  const maxRssKiB = Number((await fs.readFile(timeFile, 'utf8').catch(() => 'NaN')).trim().split('\n').at(-1));
  await fs.rm(timeFile, { force: true });
  if (code !== 0 || fed !== 0) {
    throw new MmBackupError({ step: `bench-restic-${args[0]}`, code: 'BENCH_TOOL_FAILED', message: `restic ${args.join(' ')} exited with ${code}${fed !== 0 ? ` (its input exited with ${fed})` : ''}: ${stderr.trim().split('\n').at(-1) ?? ''}`, fix: 'read the restic message above' });
  }
  return { seconds: wall, peakRssMB: (maxRssKiB * 1024) / 1e6, stdout };
}

/** Files a local repository directory holds (restic: data packs, index, snapshots, keys, config). */
export async function objectCount(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}
