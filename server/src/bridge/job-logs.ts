/**
 * Job logs that outlive the job and the process: each job's lines are appended to `<dir>/<jobId>.jsonl` as
 * they are written, its result last, so "why did last night's backup fail?" has an answer after a restart
 * (GET /api/v1/jobs/:id/log reads it back). Bounded twice: at most MAX_LINES lines per job (the rest are
 * counted, and the count is written at the end) and the newest `keepJobs` files (older ones are removed
 * when a new job starts). Lines arrive already redacted (JobRunner redacts every line).
 *
 * Writes are synchronous appends: a few lines per second at most, and a line must be on disk before the
 * process can be killed. A failing disk never fails a job: the first error is reported once through `warn`
 * and the store stops writing.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { byCodeUnits } from '../common/order';
import type { JobResult, LogLine } from '../schedule/runner';

export const MAX_LINES = 5000;
export const KEEP_JOBS = 200;
/** The runner's job ids: `<kind>-<compact ISO time>-<4 hex>`; nothing else is ever a file name here. */
const JOB_ID = /^[a-z]+-\d{8}T\d{9}Z-[0-9a-f]{4}$/;

type Entry = { line: LogLine } | { result: JobResult } | { omitted: number };

export class JobLogStore {
  private readonly counts = new Map<string, number>();
  private broken = false;

  constructor(readonly dir: string, private readonly options: { keepJobs?: number; maxLines?: number; warn?: (line: string) => void } = {}) {}

  /** Creates the directory (mode 0700) and removes the oldest logs beyond the bound; call when a job starts. */
  begin(jobId: string): void {
    if (!JOB_ID.test(jobId)) return;
    this.guard(() => {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.counts.set(jobId, 0);
      this.prune(jobId);
    });
  }

  append(jobId: string, line: LogLine): void {
    const count = this.counts.get(jobId);
    if (count === undefined) return;
    this.counts.set(jobId, count + 1);
    if (count < (this.options.maxLines ?? MAX_LINES)) this.write(jobId, { line });
  }

  end(jobId: string, result: JobResult): void {
    const count = this.counts.get(jobId);
    if (count === undefined) return;
    this.counts.delete(jobId);
    const omitted = count - (this.options.maxLines ?? MAX_LINES);
    if (omitted > 0) this.write(jobId, { omitted });
    this.write(jobId, { result });
  }

  /** The kept lines of a job (a note where lines were left out), or undefined when there is no log of it. */
  read(jobId: string): LogLine[] | undefined {
    if (!JOB_ID.test(jobId)) return undefined;
    let text: string;
    try {
      text = readFileSync(this.file(jobId), 'utf8');
    } catch {
      return undefined;
    }
    const lines: LogLine[] = [];
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      let entry: Entry;
      try {
        entry = JSON.parse(raw) as Entry;
      } catch {
        continue; // a line cut by a crash mid-write
      }
      if ('line' in entry) lines.push(entry.line);
      else if ('omitted' in entry) lines.push({ at: lines.at(-1)?.at ?? new Date(0).toISOString(), level: 'warn', text: `${entry.omitted} more lines were not kept` });
    }
    return lines;
  }

  /** The result recorded at the end of a job's log, if it ended while this store was writing. */
  result(jobId: string): JobResult | undefined {
    if (!JOB_ID.test(jobId)) return undefined;
    try {
      const last = readFileSync(this.file(jobId), 'utf8').trimEnd().split('\n').at(-1) ?? '';
      const entry = JSON.parse(last) as Entry;
      return 'result' in entry ? entry.result : undefined;
    } catch {
      return undefined;
    }
  }

  private file(jobId: string): string {
    return join(this.dir, `${jobId}.jsonl`);
  }

  private write(jobId: string, entry: Entry): void {
    this.guard(() => appendFileSync(this.file(jobId), `${JSON.stringify(entry)}\n`, { mode: 0o600 }));
  }

  /** Keeps the newest keepJobs - 1 logs besides the one starting (by modification time). */
  private prune(starting: string): void {
    const keep = (this.options.keepJobs ?? KEEP_JOBS) - 1;
    const logs = readdirSync(this.dir)
      .filter((name) => name.endsWith('.jsonl') && JOB_ID.test(name.slice(0, -6)) && name !== `${starting}.jsonl`)
      .map((name) => ({ name, mtime: statSync(join(this.dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime || byCodeUnits(b.name, a.name));
    for (const old of logs.slice(Math.max(keep, 0))) rmSync(join(this.dir, old.name), { force: true });
  }

  private guard(fn: () => void): void {
    if (this.broken) return;
    try {
      fn();
    } catch (err) {
      this.broken = true;
      this.options.warn?.(`job logs are no longer kept in ${this.dir}: ${(err as Error).message}`);
    }
  }
}
