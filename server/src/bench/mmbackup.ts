/**
 * Running the real mmbackup CLI as a child process, the way an admin's cron job does with the package's
 * /usr/bin/mmbackup (malloc's settings in the environment), through rss-wrapper.js so that its peak memory
 * is known. The child gets a hermetic environment: MM_* variables would be applied as Mattermost overrides
 * and MMBACKUP_* ones would pick another repository or key.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { MmBackupError } from '../common/errors';
import { TUNED_MALLOC } from '../common/malloc-tuning';
import { seconds } from './measure';

/**
 * The wrapper's stderr line prefix; the value is JSON of process.resourceUsage()'s maxRSS (KiB),
 * userCPUTime and systemCPUTime (microseconds), for the mmbackup process alone (pg_dump/psql not included).
 */
export const USAGE_MARKER = 'mmbackup-bench usage=';

/** Where the benchmark's repository, key and Mattermost config are. */
export interface MmbackupTarget {
  repo: string;
  keyFile: string;
  configFile: string;
}

export interface MmbackupRun {
  seconds: number;
  /** The command's --json document. */
  json: any;
  /** Peak resident set size in MB (10^6 bytes). */
  peakRssMB: number;
  /** User + system CPU seconds of the Node process (its threads included, its children not). */
  cpuSeconds: number;
}

export interface RunOptions {
  /** Write a V8 CPU profile of the run into this directory (node --cpu-prof). */
  cpuProfileDir?: string;
  /** Variables added to the hermetic environment, e.g. the MMBACKUP_S3_* credentials of an S3 repository. */
  env?: Record<string, string>;
}

/** The environment without MM_* and MMBACKUP_*, and with malloc's settings as the package's launcher gives them. */
function hermeticEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MM_') && !k.startsWith('MMBACKUP_')));
  return { ...env, GLIBC_TUNABLES: TUNED_MALLOC };
}

function nodeArgs(target: MmbackupTarget, args: string[], opts: RunOptions): string[] {
  const profile = opts.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfileDir] : [];
  const globals = ['--repo', target.repo, '--key-file', target.keyFile, '--mattermost-config', target.configFile, '--json'];
  return [...profile, path.join(__dirname, 'rss-wrapper.js'), ...globals, ...args];
}

/** Splits the wrapper's usage line from what mmbackup itself wrote on stderr. */
function parseStderr(stderr: string): { maxRssKiB: number; cpuSeconds: number; lines: string[] } {
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const marker = lines.find((l) => l.startsWith(USAGE_MARKER));
  const usage = marker ? JSON.parse(marker.slice(USAGE_MARKER.length)) : {};
  return {
    maxRssKiB: usage.maxRSS ?? NaN,
    cpuSeconds: ((usage.userCPUTime ?? NaN) + (usage.systemCPUTime ?? NaN)) / 1e6,
    lines: lines.filter((l) => l !== marker),
  };
}

function failure(args: string[], code: number | null, json: any, lines: string[]): MmBackupError {
  const said = json?.error?.message ?? lines.at(-1) ?? '(no message)';
  return new MmBackupError({ step: `bench-mmbackup-${args[0]}`, code: 'BENCH_MMBACKUP_FAILED',
    message: `mmbackup ${args.join(' ')} exited with ${code}: ${said}`, fix: json?.error?.fix ?? 'read the mmbackup output above' });
}

/** Runs `mmbackup <args> --json`; resolves with wall seconds, the parsed output, peak RSS and CPU time. */
export async function runMmbackup(target: MmbackupTarget, args: string[], opts: RunOptions = {}): Promise<MmbackupRun> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, nodeArgs(target, args, opts), { env: { ...hermeticEnv(), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const wall = seconds(started);
  const { maxRssKiB, cpuSeconds, lines } = parseStderr(Buffer.concat(err).toString());
  let json: any;
  try {
    json = JSON.parse(Buffer.concat(out).toString());
  } catch {
    json = undefined;
  }
  if (code !== 0 || json === undefined) throw failure(args, code, json, lines);
  return { seconds: wall, json, peakRssMB: (maxRssKiB * 1024) / 1e6, cpuSeconds };
}
