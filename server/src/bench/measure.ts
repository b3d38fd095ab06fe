/**
 * Timing the standard tools. Output goes straight to a file descriptor (a file or /dev/null), never through
 * this process, so the numbers are the tools' own and not Node's piping. A non-zero exit fails the benchmark
 * with the tool's last stderr line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';
import { MmBackupError, systemCode } from '../common/errors';
import { TailBuffer, runCommand } from '../common/child-process';
import type { Measurement } from './report';

export interface Command {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Resolves when the child exits 0; rejects with the step, the command and its last stderr line otherwise.
 * Waits for 'exit' and the end of stderr rather than 'close': a child whose stdout was handed to another
 * process (see timePipe) never emits 'close' here.
 */
function exited(child: ChildProcess, step: string, command: Command, stderr: TailBuffer): Promise<void> {
  child.stderr?.on('data', (d: Buffer) => stderr.push(d));
  const drained = child.stderr ? new Promise((resolve) => child.stderr!.once('close', resolve)) : Promise.resolve();
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new MmBackupError({ step, code: 'BENCH_TOOL_MISSING', cause: err,
      message: `cannot run ${command.cmd} (${systemCode(err) ?? String(err)})`, fix: 'run "make tools" or install the tool' })));
    child.on('exit', (code, signal) => void drained.then(() => {
      if (code === 0) return resolve();
      reject(new MmBackupError({ step, code: 'BENCH_TOOL_FAILED',
        message: `${command.cmd} ${command.args.join(' ')} exited with ${signal ?? code}: ${stderr.last ?? '(no message)'}`,
        fix: 'read the tool message; check that PostgreSQL answers and the disk has room' }));
    }));
  });
}

/** Runs one command with stdout sent to `stdoutPath` (default /dev/null); resolves with wall seconds. */
export async function timeCommand(step: string, command: Command, stdoutPath = '/dev/null'): Promise<number> {
  const fd = openSync(stdoutPath, 'w');
  try {
    const started = process.hrtime.bigint();
    const child = spawn(command.cmd, command.args, { env: command.env, stdio: ['ignore', fd, 'pipe'] });
    await exited(child, step, command, new TailBuffer());
    return seconds(started);
  } finally {
    closeSync(fd);
  }
}

/** Runs `first | second > /dev/null`, the two connected by a kernel pipe; resolves with wall seconds. */
export async function timePipe(step: string, first: Command, second: Command): Promise<number> {
  const devNull = openSync('/dev/null', 'w');
  try {
    const started = process.hrtime.bigint();
    const a = spawn(first.cmd, first.args, { env: first.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const b = spawn(second.cmd, second.args, { env: second.env, stdio: [a.stdout!, devNull, 'pipe'] });
    // b holds its own copy of the pipe now; ours must go, or it would keep the pipe open if b died early.
    a.stdout!.destroy();
    await Promise.all([exited(a, step, first, new TailBuffer()), exited(b, step, second, new TailBuffer())]);
    return seconds(started);
  } finally {
    closeSync(devNull);
  }
}

/**
 * The run with the median wall time, carrying every run's seconds in `samples`, and the highest peak RSS of
 * them all: a memory limit holds for every run, so its figure is the worst one, not a typical one.
 */
export function medianRun<T extends Measurement>(runs: T[]): T {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const peaks = runs.map((r) => r.peakRssMB).filter((mb): mb is number => mb !== undefined && Number.isFinite(mb));
  const median = { ...sorted[Math.floor((sorted.length - 1) / 2)], samples: runs.map((r) => Number(r.seconds.toFixed(3))) };
  return peaks.length > 0 ? { ...median, peakRssMB: Math.max(...peaks) } : median;
}

export function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * Empties the page cache so that the next reader hits the disk. Needs root; resolves false (the caller then
 * reports a warm cache) when the kernel refuses.
 */
export async function dropCaches(): Promise<boolean> {
  await timeCommand('bench-drop-caches', { cmd: 'sync', args: [] });
  try {
    await fs.writeFile('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** Bytes `du` says a directory occupies on disk (allocated blocks, as an admin sizing a backup disk sees it). */
export async function diskUsage(dir: string): Promise<number> {
  const run = await runCommand('du', ['-s', '-B1', dir]);
  const bytes = Number(run.stdout.split('\t')[0]);
  if (run.exitCode !== 0 || !Number.isFinite(bytes)) {
    throw new MmBackupError({ step: 'bench-du', code: 'BENCH_TOOL_FAILED', message: `du -s ${dir} failed: ${run.stderrTail.at(-1) ?? run.exitCode}` });
  }
  return bytes;
}

/** Apparent size of one file. */
export async function fileSize(file: string): Promise<number> {
  return (await fs.stat(file)).size;
}
