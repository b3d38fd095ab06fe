/**
 * Running the standard tools (pg_dump, psql, mysqldump, mariadb). Arguments are always an array, never a
 * shell string; passwords travel in the environment or a 0600 file, never on the command line. The last
 * lines of stderr are kept so that a failure can quote what the tool said.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
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

/** Runs a command to completion, collecting stdout (small outputs only) and the stderr tail. */
export function runCommand(cmd: string, args: string[], options: SpawnOptions & { input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
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
