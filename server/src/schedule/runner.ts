/**
 * The bridge runs one operation at a time: backup, drill, prune, verify and copy all take the repository,
 * and two dumps at once would double the load on Mattermost's database. JobRunner is that single flight:
 * it refuses a second job, tracks the running one (step, bytes, log) for the status API and the live log,
 * cancels through an AbortSignal, and remembers the last result of each kind for status and alerts.
 */
import { randomBytes } from 'node:crypto';
import { asMmBackupError, ExitCode, MmBackupError } from '../common/errors';
import { redact } from '../common/redact';
import type { Reporter } from '../common/reporter';

export const LOG_LINES_KEPT = 1000;

export interface LogLine {
  at: string;
  level: 'info' | 'warn' | 'step';
  text: string;
}

/** The running job, as the status API shows it. */
export interface JobStatus {
  id: string;
  kind: string;
  startedAt: string;
  step?: string;
  bytesDone: number;
  /** Expected bytes of the current step, when known. */
  bytesTotal?: number;
  /** Which phase of the job's plan is running (1-based) and how many it has; absent without a plan. */
  stepIndex?: number;
  stepCount?: number;
  cancelRequested: boolean;
}

/**
 * The phases of a job, in order, for "step 2 of 5". A phase is named after its first step and also covers
 * the steps in `covers` (the lock and index of a copy, say): engines reuse step names such as "lock", so a
 * step is matched from the current phase onwards, never backwards. A step no phase names leaves the index
 * where it was.
 */
export type StepPlan = ReadonlyArray<{ name: string; covers?: ReadonlyArray<string | RegExp> }>;

/** How a job ended. `error` is the MmBackupError's public part (already redacted). */
export interface JobResult {
  id: string;
  kind: string;
  ok: boolean;
  cancelled: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  error?: { step: string; code: string; message: string; fix?: string };
}

export interface LogSubscriber {
  line?(line: LogLine): void;
  /** The job ended; no more lines follow. */
  end?(result: JobResult): void;
}

/** What a job gets: a signal to stop at, a Reporter whose calls become the job's status and log, and its id. */
export type JobFn<T> = (signal: AbortSignal, log: Reporter, id: string) => Promise<T>;

export interface JobOptions {
  plan?: StepPlan;
}

interface Running {
  status: JobStatus;
  plan?: StepPlan;
  controller: AbortController;
  lines: LogLine[];
  subscribers: Set<LogSubscriber>;
}

export class JobRunner {
  private running?: Running;
  private lastLog?: { id: string; lines: LogLine[] };
  private readonly results = new Map<string, JobResult>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Whether a job is running. */
  isBusy(): boolean {
    return this.running !== undefined;
  }

  /** A copy of the running job's status; undefined when idle. */
  current(): JobStatus | undefined {
    return this.running ? { ...this.running.status } : undefined;
  }

  /**
   * Starts `fn` unless a job is running: then throws an MmBackupError (code BUSY, exit code 3) naming the
   * running job. Returns its id at once, and `done`, which settles with the job (rejecting with its error).
   */
  start<T>(kind: string, fn: JobFn<T>, options: JobOptions = {}): { id: string; done: Promise<T> } {
    if (this.running) throw this.busyError();
    const id = `${kind}-${this.now().toISOString().replace(/[-:.]/g, '')}-${randomBytes(2).toString('hex')}`;
    const plan = options.plan?.length ? options.plan : undefined;
    const running: Running = {
      status: { id, kind, startedAt: this.now().toISOString(), bytesDone: 0, cancelRequested: false, ...(plan ? { stepCount: plan.length } : {}) },
      plan,
      controller: new AbortController(),
      lines: [],
      subscribers: new Set(),
    };
    this.running = running;
    const done = this.execute(running, fn);
    done.catch(() => undefined); // the caller may only want the id; the result is recorded either way
    return { id, done };
  }

  /** start() and wait for the job. */
  run<T>(kind: string, fn: JobFn<T>, options: JobOptions = {}): Promise<T> {
    return this.start(kind, fn, options).done;
  }

  /** Asks the running job to stop (aborts its signal). False when nothing runs. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.status.cancelRequested = true;
    this.append(this.running, 'warn', 'cancel requested');
    this.running.controller.abort(new MmBackupError({ step: this.running.status.step ?? this.running.status.kind, code: 'CANCELLED', message: 'cancelled by an administrator' }));
    return true;
  }

  /** The last result of each kind. */
  lastResults(): Record<string, JobResult> {
    return Object.fromEntries(this.results);
  }

  lastResult(kind: string): JobResult | undefined {
    return this.results.get(kind);
  }

  /** The log of the running job, or of the last finished one, by id (at most LOG_LINES_KEPT lines). */
  log(id: string): LogLine[] | undefined {
    if (this.running?.status.id === id) return [...this.running.lines];
    return this.lastLog?.id === id ? [...this.lastLog.lines] : undefined;
  }

  /** Follows the running job's log; returns an unsubscribe function, or undefined when `id` is not running. */
  subscribe(id: string, subscriber: LogSubscriber): (() => void) | undefined {
    const running = this.running;
    if (running?.status.id !== id) return undefined;
    running.subscribers.add(subscriber);
    return () => running.subscribers.delete(subscriber);
  }

  private busyError(): MmBackupError {
    const s = this.running!.status;
    return new MmBackupError({
      step: 'schedule', code: 'BUSY', exitCode: ExitCode.locked,
      message: `busy: ${s.kind} started at ${s.startedAt} is running${s.step ? ` (step ${s.step})` : ''}`,
      fix: 'wait for it to finish, or cancel it',
    });
  }

  private async execute<T>(running: Running, fn: JobFn<T>): Promise<T> {
    try {
      const value = await fn(running.controller.signal, this.reporterFor(running), running.status.id);
      this.finish(running, undefined);
      return value;
    } catch (err) {
      throw this.finish(running, err);
    }
  }

  /** Records the result, ends the log, frees the runner; returns the error to rethrow. */
  private finish(running: Running, err: unknown): MmBackupError | undefined {
    const s = running.status;
    const cancelled = running.controller.signal.aborted;
    const error = err === undefined ? undefined : cancelled ? (running.controller.signal.reason as MmBackupError) : asMmBackupError(err, s.step ?? s.kind);
    const finishedAt = this.now();
    const result: JobResult = {
      id: s.id, kind: s.kind, ok: !error, cancelled: cancelled && !!error, startedAt: s.startedAt, finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - Date.parse(s.startedAt),
      ...(error ? { error: { step: error.step, code: error.code, message: redact(error.message), ...(error.fix ? { fix: redact(error.fix) } : {}) } } : {}),
    };
    this.append(running, error ? 'warn' : 'info', error ? `${s.kind} failed: ${error.describe()}` : `${s.kind} finished`);
    this.results.set(s.kind, result);
    this.lastLog = { id: s.id, lines: running.lines };
    this.running = undefined;
    for (const sub of running.subscribers) sub.end?.(result);
    return error;
  }

  private append(running: Running, level: LogLine['level'], text: string): void {
    const line: LogLine = { at: this.now().toISOString(), level, text: redact(text) };
    running.lines.push(line);
    if (running.lines.length > LOG_LINES_KEPT) running.lines.splice(0, running.lines.length - LOG_LINES_KEPT);
    for (const sub of running.subscribers) {
      try {
        sub.line?.(line);
      } catch {
        running.subscribers.delete(sub); // a broken stream must not break the job
      }
    }
  }

  private reporterFor(running: Running): Reporter {
    const s = running.status;
    return {
      stepStarted: (step, detail, total) => {
        Object.assign(s, { step, bytesDone: 0, bytesTotal: total });
        if (running.plan) s.stepIndex = phaseOf(running.plan, step, s.stepIndex) ?? s.stepIndex;
        this.append(running, 'step', detail ? `${step}: ${detail}` : step);
      },
      expectBytes: (total) => void (s.bytesTotal = total),
      bytes: (n) => void (s.bytesDone += n),
      info: (line) => this.append(running, 'info', line),
      warn: (line) => this.append(running, 'warn', line),
      stepFinished: (step, ok) => this.append(running, ok ? 'info' : 'warn', `${step} ${ok ? 'done' : 'failed'}`),
    };
  }
}

/** The 1-based phase of `plan` that `step` belongs to, searching from the current phase on; undefined if none. */
export function phaseOf(plan: StepPlan, step: string, current: number | undefined): number | undefined {
  for (let i = Math.max((current ?? 1) - 1, 0); i < plan.length; i++) {
    const phase = plan[i];
    if (phase.name === step || phase.covers?.some((c) => (typeof c === 'string' ? c === step : c.test(step)))) return i + 1;
  }
  return undefined;
}
