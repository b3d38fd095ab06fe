/**
 * A long-running standard tool (pg_dump, psql, mysqldump, mariadb) whose stdout is a stream of data. Unlike
 * common/child-process runCommand, nothing is collected in memory: stdout is handed to the caller, stderr
 * lines go to a TailBuffer (for error messages) and to an optional line callback (for the run log).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { TailBuffer } from '../../common/child-process';
import { redact } from '../../common/redact';

export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started (ENOENT, EACCES); code and signal are then null. */
  spawnError?: Error;
}

export interface ToolProcess {
  readonly child: ChildProcess;
  readonly stderr: TailBuffer;
  /** Settles once the process has exited and its stdio is closed (all stdout delivered); never rejects. */
  readonly exited: Promise<ToolExit>;
  /** True once `exited` has settled. */
  readonly done: boolean;
  /** SIGTERM now, SIGKILL after `graceMs` if the process is still alive; idempotent. */
  stop(graceMs?: number): void;
  /** SIGKILL now: used when the tool must not see the end of its input (psql would COMMIT on EOF). */
  kill(): void;
}

export interface ToolOptions {
  env: NodeJS.ProcessEnv;
  stdin: 'pipe' | 'ignore';
  stdout: 'pipe' | 'ignore';
  /** Each complete stderr line, already redacted. */
  onStderrLine?: (line: string) => void;
}

/** Spawns `cmd args` (never through a shell). Spawn failures are reported through `exited`, not thrown. */
export function startTool(cmd: string, args: string[], options: ToolOptions): ToolProcess {
  const child = spawn(cmd, args, { env: options.env, stdio: [options.stdin, options.stdout, 'pipe'] });
  const stderr = new TailBuffer(30);
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr.push(chunk);
    if (!options.onStderrLine) return;
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) options.onStderrLine(redact(line.trimEnd()));
  });
  child.stdin?.on('error', () => undefined); // EPIPE when the tool exits before reading all input: the exit code says why
  let done = false;
  const exited = new Promise<ToolExit>((resolve) => {
    child.once('error', (err) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: err });
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  }).finally(() => {
    done = true;
    if (partial.trim() && options.onStderrLine) options.onStderrLine(redact(partial.trim()));
  });
  const signal = (sig: NodeJS.Signals): void => {
    if (!done && child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  let stopping = false;
  return {
    child,
    stderr,
    exited,
    get done() {
      return done;
    },
    stop(graceMs = 3000) {
      if (stopping) return;
      stopping = true;
      signal('SIGTERM');
      setTimeout(() => signal('SIGKILL'), graceMs).unref();
    },
    kill() {
      signal('SIGKILL');
    },
  };
}
