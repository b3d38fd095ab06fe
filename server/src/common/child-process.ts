/**
 * Running the standard tools (pg_dump, psql, mysqldump, mariadb). Arguments are always an array, never a
 * shell string; passwords travel in the environment or a 0600 file, never on the command line. The last
 * lines of stderr are kept so that a failure can quote what the tool said.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { redact } from './redact';

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderrTail: string[];
}

/** Keeps the last `max` lines written to a stream, for error messages. */
export class TailBuffer {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 20) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  private add(line: string): void {
    const trimmed = line.trimEnd();
    if (!trimmed) return;
    this.lines.push(redact(trimmed));
    if (this.lines.length > this.max) this.lines.shift();
  }

  get tail(): string[] {
    return this.partial.trim() ? [...this.lines, redact(this.partial.trim())] : [...this.lines];
  }

  get last(): string | undefined {
    const t = this.tail;
    return t[t.length - 1];
  }
}

/**
 * What a standard tool may inherit from our environment: where programs and libraries are, the locale and
 * the time zone. Nothing else: this process holds the repository passphrase (MMBACKUP_PASSPHRASE), the S3
 * keys (MMBACKUP_S3_*, AWS_*) and perhaps tokens, and a tool's environment is readable by anyone who can
 * read its /proc/<pid>/environ or whom it passes it on to. Tool-specific variables (PG*) are added by the
 * caller, from the connection, never inherited.
 */
const INHERITED = /^(PATH|HOME|LANG|LANGUAGE|TZ|TMPDIR|LD_LIBRARY_PATH|LC_[A-Z_]+)$/;

export function toolBaseEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (INHERITED.test(k) && v !== undefined) out[k] = v;
  return out;
}

/**
 * Runs a command to completion, collecting stdout (small outputs only) and the stderr tail. Without an
 * `env` option the command gets toolBaseEnv(), never the whole environment.
 */
export function runCommand(cmd: string, args: string[], options: SpawnOptions & { input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, args, { ...options, env: options.env ?? toolBaseEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = new TailBuffer();
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => stderr.push(d));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderrTail: stderr.tail }));
    child.stdin!.on('error', () => {}); // the tool may exit before reading its input; its exit code tells why
    child.stdin!.end(options.input ?? '');
  });
}

let cachedNamespace: string | undefined;

/**
 * "<kernel boot id>/<pid namespace>" of this process, or "" when the system does not tell (not Linux,
 * /proc hidden). Two processes with the same value see the same pids, so only then does "pid N is not
 * running" say anything about a pid another process recorded (two containers may share a hostname and a
 * /tmp, never a pid namespace).
 */
export function processNamespace(): string {
  if (cachedNamespace !== undefined) return cachedNamespace;
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const ns = readlinkSync('/proc/self/ns/pid'); // "pid:[4026531836]"
    cachedNamespace = boot && ns ? `${boot}/${ns}` : '';
  } catch {
    cachedNamespace = '';
  }
  return cachedNamespace;
}

/** Whether a process with this pid exists (in our pid namespace). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
