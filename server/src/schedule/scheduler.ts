/**
 * Fires the bridge's scheduled jobs (backup, drill, prune) from the settings: croner jobs in the settings'
 * time zone, built with the same options as the predictions of ./cron.ts, rebuilt when a schedule or the zone
 * changes. Every fire goes through the same gate:
 *
 *   due? (a slot passed since the last run) → runner idle? → leader of the cluster for this job? →
 *   still due by the shared record? → run the callback, holding leadership until it finishes.
 *
 * The same gate runs at start and on a catch-up timer, so a run missed while the bridge was down, or while
 * another job was running, happens as soon as it can, and only once.
 * "The last run" is the later of what this bridge fired and `lastRunAt(job)`, the shared record (e.g. the
 * newest snapshot's start), which is what keeps two bridges from both running a slot when one finishes
 * before the other's clock reaches it.
 */
import { Cron } from 'croner';
import type { Settings } from '../settings/schema';
import { cronOptions, nextRun, nextRuns } from './cron';
import type { LeadershipHandle } from './leader';

export type ScheduledJob = 'backup' | 'drill' | 'prune';
const JOBS: ScheduledJob[] = ['backup', 'drill', 'prune'];

export interface SchedulerOptions {
  settings: Settings;
  /** acquireJobLeadership bound to Mattermost's database (or a stand-in for a single node). */
  tryLeadership: (job: ScheduledJob) => Promise<LeadershipHandle>;
  /** Whether the job runner is busy (a manual backup, a verify...). */
  isBusy: () => boolean;
  /** Run the job; resolve when it has finished (leadership is held until then). Failures are theirs to report. */
  onBackupDue: () => Promise<void>;
  onDrillDue: () => Promise<void>;
  onPruneDue: () => Promise<void>;
  /** When the job last ran anywhere in the cluster; undefined = never (or unknown). */
  lastRunAt?: (job: ScheduledJob) => Promise<Date | undefined>;
  log?: (line: string) => void;
  now?: () => Date;
  /** How often missed runs are looked for. Default 60 s. */
  catchUpMs?: number;
}

/** The schedule of each job in the settings; prune has none when it runs after each backup. */
export function schedulesOf(s: Settings): Partial<Record<ScheduledJob, string>> {
  return { backup: s.backupSchedule, drill: s.drillSchedule, ...(s.pruneSchedule ? { prune: s.pruneSchedule } : {}) };
}

export class Scheduler {
  private settings: Settings;
  private tasks: Cron[] = [];
  private timer?: NodeJS.Timeout;
  private readonly lastFired = new Map<ScheduledJob, Date>();
  private readonly inFlight = new Set<ScheduledJob>();
  /** The last skip reason logged per job, so a long busy spell is logged once, not every minute. */
  private readonly lastSkip = new Map<ScheduledJob, string>();
  private readonly now: () => Date;
  private readonly log: (line: string) => void;

  constructor(private readonly options: SchedulerOptions) {
    this.settings = options.settings;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => undefined);
  }

  /** Schedules the tasks and runs what is overdue (awaited, so start-up order is deterministic). */
  async start(): Promise<void> {
    await this.initLastRuns();
    this.scheduleTasks();
    this.timer = setInterval(() => void this.catchUp(), this.options.catchUpMs ?? 60_000);
    this.timer.unref();
    await this.catchUp();
  }

  /** Applies new settings; tasks are rebuilt only when a schedule or the time zone changed. */
  update(settings: Settings): void {
    const key = (s: Settings) => JSON.stringify([schedulesOf(s), s.timeZone]);
    const changed = key(settings) !== key(this.settings);
    this.settings = settings;
    if (!changed || this.timer === undefined) return;
    this.log(`schedules changed: ${this.describe()}`);
    this.stopTasks();
    this.scheduleTasks();
  }

  /** Stops all tasks and the catch-up timer; a job already running finishes. */
  stop(): void {
    this.stopTasks();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The next `count` runs of each scheduled job, for the status API. */
  nextRuns(count: number): Partial<Record<ScheduledJob, Date[]>> {
    const out: Partial<Record<ScheduledJob, Date[]>> = {};
    for (const [job, expr] of Object.entries(schedulesOf(this.settings)) as Array<[ScheduledJob, string]>) {
      out[job] = nextRuns(expr, this.settings.timeZone, this.now(), count);
    }
    return out;
  }

  /** Tries to run `job` now through the gate; resolves when it ran or was skipped. */
  async fire(job: ScheduledJob, reason: string): Promise<void> {
    const expr = schedulesOf(this.settings)[job];
    if (!expr || this.inFlight.has(job)) return;
    const slot = this.dueSlot(expr, this.lastFired.get(job), reason === 'scheduled');
    if (!slot) return;
    if (this.options.isBusy()) return this.skip(job, 'another job is running; it runs when that one ends');
    this.inFlight.add(job);
    try {
      await this.lead(job, expr, slot, reason);
    } finally {
      this.inFlight.delete(job);
    }
  }

  private async lead(job: ScheduledJob, expr: string, slot: Date, reason: string): Promise<void> {
    // Recorded as served: the later of now and the slot, so a fire a moment early does not serve the slot twice.
    const served = () => new Date(Math.max(this.now().getTime(), slot.getTime()));
    let handle: LeadershipHandle;
    try {
      handle = await this.options.tryLeadership(job);
    } catch (err) {
      return this.skip(job, `cannot take the cluster lock: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!handle.held) {
      this.lastFired.set(job, served()); // another bridge runs this slot
      return this.skip(job, 'another bridge runs it');
    }
    try {
      const shared = await this.options.lastRunAt?.(job);
      if (shared && !this.dueSlot(expr, shared, reason === 'scheduled')) {
        this.lastFired.set(job, shared);
        return this.skip(job, `already run at ${shared.toISOString()}`);
      }
      this.lastFired.set(job, served());
      this.lastSkip.delete(job);
      this.log(`${job}: starting (${reason})`);
      await this.callback(job)().catch((err) => this.log(`${job}: ${err instanceof Error ? err.message : String(err)}`));
    } finally {
      await handle.release();
    }
  }

  /**
   * The slot that is due (the first run time after `last`, at or before now), or undefined. A job never
   * run is due now. A timer may fire a few milliseconds before our clock reads the slot, so scheduled fires
   * get a second of slack; the catch-up check gets none, so it never serves a slot early.
   */
  private dueSlot(expr: string, last: Date | undefined, scheduled: boolean): Date | undefined {
    const now = this.now().getTime();
    if (!last) return new Date(now);
    const slot = nextRun(expr, this.settings.timeZone, last);
    return slot && slot.getTime() <= now + (scheduled ? 1000 : 0) ? slot : undefined;
  }

  private skip(job: ScheduledJob, why: string): void {
    if (this.lastSkip.get(job) === why) return;
    this.lastSkip.set(job, why);
    this.log(`${job}: skipped, ${why}`);
  }

  private callback(job: ScheduledJob): () => Promise<void> {
    return { backup: this.options.onBackupDue, drill: this.options.onDrillDue, prune: this.options.onPruneDue }[job];
  }

  /** Seeds "last run": the shared record, or for a job never run: backup is due at once, others wait for their slot. */
  private async initLastRuns(): Promise<void> {
    for (const job of JOBS) {
      const last = await this.options.lastRunAt?.(job).catch(() => undefined);
      if (last) this.lastFired.set(job, last);
      else if (job !== 'backup') this.lastFired.set(job, this.now());
    }
  }

  private async catchUp(): Promise<void> {
    for (const job of JOBS) await this.fire(job, 'catch-up: a scheduled run was missed');
  }

  private scheduleTasks(): void {
    for (const [job, expr] of Object.entries(schedulesOf(this.settings)) as Array<[ScheduledJob, string]>) {
      // protect: a fire while the previous one of this job is still in its callback is dropped (the gate would
      // refuse it anyway); unref: the timers alone do not keep the process alive. No `name`: croner keeps named
      // jobs in one process-wide registry and refuses a second job of the same name (a second bridge in one process).
      const task = new Cron(expr, { ...cronOptions(this.settings.timeZone), protect: true, unref: true },
        () => this.fire(job, 'scheduled'));
      this.tasks.push(task);
    }
  }

  private stopTasks(): void {
    for (const task of this.tasks.splice(0)) task.stop();
  }

  private describe(): string {
    return Object.entries(schedulesOf(this.settings)).map(([job, expr]) => `${job} "${expr}"`).join(', ') + ` (${this.settings.timeZone})`;
  }
}
