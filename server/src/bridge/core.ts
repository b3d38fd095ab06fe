/**
 * The bridge: one JobRunner (never two operations at once), the settings in force, the repository, and
 * what the HTTP API, the slash command and the scheduler ask of them (api/core.ts BridgeCore). Every kind of
 * job is a row of the job table given at construction (./job-table.ts: its work from ./jobs.ts, its phases
 * from ./progress.ts, its alerts and heartbeat from ./outcomes.ts, its metrics) and is started the same way
 * by launch(); each job's lines go to the structured log (./log.ts) and its log file (./job-logs.ts) and its
 * events to the plugin's stream (./job-events.ts). Assembling and starting everything is ./serve.ts. What the System Console reads is decided by pure functions beside it:
 * ./status.ts (with the health rules of @backup-dr/wire), ./history.ts (restore lines),
 * ./previews.ts (schedule and retention) and ./destinations.ts (the connection test).
 */
import { ExitCode, MmBackupError } from '../common/errors';
import type { CommandReply, CommandRequest } from '@backup-dr/wire';
import type {
  BackupSummary, BridgeCore, BridgeStatus, DestinationsView, DestinationTestResult, Requester, RetentionPreview, RetentionPreviewRequest,
  SchedulePreview, SchedulePreviewRequest, SettingsView,
} from '../api/core';
import type { EventHub } from '../api/events';
import type { Reporter } from '../common/reporter';
import type { JobFn, JobOptions, LogLine, LogSubscriber } from '../schedule/runner';
import { JobRunner } from '../schedule/runner';
import { rpoBreached } from '../schedule/overdue';
import type { Scheduler } from '../schedule/scheduler';
import type { MattermostInstallation } from '../mattermost/types';
import type { Secret } from '../repository/keys';
import type { Repository } from '../repository/repository';
import { ALL_COMPONENTS, findSnapshot, listSnapshots, type ComponentName, type SnapshotManifest } from '../repository/snapshots';
import { listVerifications, type VerificationRecord } from '../repository/verifications';
import { settingsForDisplay, type LoadedSettings } from '../settings/load';
import { handleCommand } from '../slash/handler';
import { destinationsView, testDestinations } from './destinations';
import { backupSummaries } from './history';
import type { JobContext } from './jobs';
import { trackJob } from './job-events';
import { defaultJobTable, type JobKindName, type JobRequest, type JobTable } from './job-table';
import type { JobLogStore } from './job-logs';
import { logJobLine, type BridgeLogger } from './log';
import { BridgeMetrics } from './metrics';
import type { OutcomeSinks } from './outcomes';
import { previewPolicy, previewRetention, previewSchedule } from './previews';
import { checkRepository, describeRepositoryHealth, type RepositoryHealth } from './repository-watch';
import { slashDeps } from './slash-deps';
import { buildStatus } from './status';

export interface BridgeParts {
  repository: Repository;
  secret: Secret;
  installation: MattermostInstallation;
  settings: LoadedSettings;
  /** Re-reads Mattermost's config: every job starts from the config as it is now (a moved database, say). */
  reloadInstallation: () => Promise<MattermostInstallation>;
  sinks: Omit<OutcomeSinks, 'metrics'>;
  /** The stream the plugin follows: job events, alerts and /backup replies. */
  events: EventHub;
  log: (line: string) => void;
  /** Structured log (stdout): every line of every job, with its id. */
  logger?: BridgeLogger;
  /** Where job logs are kept after the job ends (the state dir); without it, only the last job's log, in memory. */
  jobLogs?: JobLogStore;
  /** What each kind of job runs and what follows it (./job-table.ts); default: defaultJobTable(). */
  jobs?: JobTable;
}

export class Bridge implements BridgeCore {
  readonly runner = new JobRunner();
  readonly meter = new BridgeMetrics();
  scheduler?: Scheduler;
  /** Problems found outside the settings (the repository unreachable...). */
  readonly problems = new Map<string, string>();
  private snapshots: SnapshotManifest[] = [];
  private verifications: VerificationRecord[] = [];
  private repositoryHealth: RepositoryHealth = { state: 'ok' };

  private readonly jobs: JobTable;

  constructor(private parts: BridgeParts) {
    this.jobs = parts.jobs ?? defaultJobTable();
  }

  get events(): EventHub {
    return this.parts.events;
  }

  /**
   * Starts a job on the runner and publishes its events; a job started for someone says so in its first log
   * line ("started by @alice"), so the log and the console show who asked.
   */
  private startJob<T>(kind: string, fn: JobFn<T>, options: JobOptions, requester?: Requester): { id: string; done: Promise<T> } {
    const job = this.runner.start(kind, (signal, reporter: Reporter, jobId) => {
      if (requester?.username) reporter.info(`started by @${requester.username}`);
      return fn(signal, reporter, jobId);
    }, options);
    trackJob(this.parts.events, this.runner, job.id);
    this.recordJob(job.id);
    return job;
  }

  /** Every line of the job to the structured log (with its id) and to its log file; the result at the end. */
  private recordJob(jobId: string): void {
    const { logger, jobLogs } = this.parts;
    const status = this.runner.current();
    if (status?.id !== jobId || (!logger && !jobLogs)) return;
    const jobLogger = logger?.child({ jobId, kind: status.kind });
    jobLogs?.begin(jobId);
    const write = (line: LogLine): void => {
      if (jobLogger) logJobLine(jobLogger, line);
      jobLogs?.append(jobId, line);
    };
    // The lines written before this subscription (e.g. "started by @alice") first, in the same tick.
    for (const line of this.runner.log(jobId) ?? []) write(line);
    this.runner.subscribe(jobId, { line: write, end: (result) => jobLogs?.end(jobId, result) });
  }

  get settingsInForce(): LoadedSettings {
    return this.parts.settings;
  }

  get installation(): MattermostInstallation {
    return this.parts.installation;
  }

  updateSettings(settings: LoadedSettings, installation: MattermostInstallation): void {
    this.parts = { ...this.parts, settings, installation };
    this.scheduler?.update(settings.effective);
  }

  updateSinks(sinks: BridgeParts['sinks']): void {
    this.parts = { ...this.parts, sinks };
  }

  private get sinks(): OutcomeSinks {
    return { ...this.parts.sinks, metrics: this.meter };
  }

  /** Re-reads the snapshot list and verification records (after every job, and at start). */
  async refresh(): Promise<void> {
    this.snapshots = await listSnapshots(this.parts.repository);
    this.verifications = await listVerifications(this.parts.repository).catch(() => this.verifications);
    const good = this.snapshots.find((s) => s.tags.includes('bridge') || !s.tags.includes('pre-restore'));
    if (good && this.meter.lastSuccessSeconds === undefined) this.meter.backupSucceeded(new Date(good.finishedAt), good.durationMs, good.totals.size);
  }

  /** The newest snapshot that is a regular backup (not a pre-restore safety copy). */
  lastGood(): SnapshotManifest | undefined {
    return this.snapshots.find((s) => !s.tags.includes('pre-restore'));
  }

  /** When the newest regular backup started: the cluster's shared record of the backup schedule. */
  lastBackupStartedAt(): Date | undefined {
    const last = this.lastGood();
    return last ? new Date(last.startedAt) : undefined;
  }

  /** When the newest drill of any snapshot ended, passed or failed (bridge or CLI): the drill schedule's record. */
  lastDrillAt(): Date | undefined {
    const times = this.verifications.flatMap((r) => (r.lastDrill ? [Date.parse(r.lastDrill.at)] : []));
    return times.length > 0 ? new Date(Math.max(...times)) : undefined;
  }

  /** The installation as it is now (a moved database, say): every job starts from Mattermost's config as it is. */
  private async context(signal: AbortSignal, reporter: JobContext['reporter'], jobId: string): Promise<JobContext> {
    const installation = await this.parts.reloadInstallation();
    this.parts = { ...this.parts, installation };
    const { repository, secret, settings } = this.parts;
    return { repository, secret, installation, settings: settings.effective, reporter, signal, jobId };
  }

  /**
   * Starts a job of `kind` by its row of the job table: counted, run, logged, then its row's onSuccess or
   * onFailure, with the snapshot list refreshed first. `done` resolves when all of that is over and never rejects.
   */
  private launch(kind: JobKindName, request: Omit<JobRequest, 'snapshots'>, requester?: Requester): { id: string; done: Promise<void> } {
    const row = this.jobs[kind];
    const full: JobRequest = { ...request, snapshots: this.snapshots };
    const job = this.startJob(kind, async (signal, reporter, jobId) => {
      await row.onStart?.(this.sinks);
      return row.run(await this.context(signal, reporter, jobId), full);
    }, { plan: row.plan(full, this.parts.settings.effective) }, requester);
    this.meter.jobStarted(kind);
    row.metrics?.attempt?.(this.meter);
    const end = (value: unknown, error: unknown) => ({ jobId: job.id, request: full, value, error, log: this.runner.log(job.id) });
    const done = job.done.then(
      async (value) => {
        await this.refresh().catch(() => {});
        row.metrics?.success?.(this.meter, value);
        await row.onSuccess?.(this.sinks, end(value, undefined));
      },
      async (error) => {
        await this.refresh().catch(() => {});
        this.meter.jobFailed(kind);
        row.metrics?.failure?.(this.meter);
        await row.onFailure?.(this.sinks, end(undefined, error));
      },
    ).catch((err) => this.parts.log(`${kind} ${job.id}: what follows the job failed: ${(err as Error).message}`));
    return { id: job.id, done };
  }

  startBackup(components?: ComponentName[], requester?: Requester): Promise<{ jobId: string }> {
    const unknown = (components ?? []).filter((c) => !ALL_COMPONENTS.includes(c));
    if (unknown.length > 0) {
      return Promise.reject(new MmBackupError({ step: 'backup', code: 'BAD_COMPONENTS', message: `unknown component ${unknown.join(', ')}`, fix: 'use db, config and/or files', exitCode: ExitCode.usage }));
    }
    const job = this.launch('backup', { components: components ?? this.parts.settings.effective.components }, requester);
    return Promise.resolve({ jobId: job.id });
  }

  /** Alerts when no good backup finished within the RPO threshold (the notifier keeps it to one alert per period). */
  async checkOverdue(now: Date): Promise<void> {
    const last = this.lastGood();
    const lastAt = last ? new Date(last.finishedAt) : undefined;
    const { rpoHours } = this.parts.settings.effective;
    if (rpoBreached(lastAt, rpoHours, now)) await this.parts.sinks.notifier?.overdue({ lastSuccessAt: lastAt, now, rpoHours });
  }

  /**
   * Checks that the repository answers and has room (./repository-watch.ts), alerting once per ongoing
   * problem and ending it quietly when the repository is fine again.
   */
  async checkRepository(): Promise<RepositoryHealth> {
    const { repository, sinks, log } = this.parts;
    const health = await checkRepository(repository, this.lastGood()?.totals.size ?? 0);
    const location = repository.destination.location;
    if (health.state !== this.repositoryHealth.state) log(`repository: ${health.state}${health.state === 'unreachable' ? `: ${health.error.message}` : ''}`);
    this.repositoryHealth = health;
    if (health.state === 'unreachable') await sinks.notifier?.repositoryProblem({ kind: 'unreachable', location, error: health.error });
    else if (health.state === 'nearly-full') await sinks.notifier?.repositoryProblem({ kind: 'nearly-full', location, freeBytes: health.freeBytes, estimateBytes: health.estimateBytes });
    else await sinks.notifier?.resolved('repository', location);
    return health;
  }

  /** Starts a backup and waits for it and what follows it (the scheduler holds leadership until it is done). */
  async runScheduledBackup(): Promise<void> {
    await this.launch('backup', { components: this.parts.settings.effective.components }).done;
  }

  async runScheduledDrill(): Promise<void> {
    await this.launch('drill', { snapshotId: this.lastGood()?.id }).done;
  }

  async runScheduledPrune(): Promise<void> {
    await this.launch('prune', {}).done;
  }

  async startVerify(id: string, requester?: Requester): Promise<{ jobId: string }> {
    const snapshot = await findSnapshot(this.parts.repository, id); // an unknown id is a 404 before any job starts
    return { jobId: this.launch('verify', { snapshotId: snapshot.id }, requester).id };
  }

  /** Resolves when the job ends (successfully or not). */
  waitFor(jobId: string): Promise<void> {
    return new Promise((resolve) => {
      const unsubscribe = this.runner.subscribe(jobId, { end: () => resolve() });
      if (!unsubscribe) resolve();
    });
  }

  async cancelCurrent(): Promise<boolean> {
    return this.runner.cancel();
  }

  /** The running or last job's log from memory, else an earlier job's from its file (it outlives restarts). */
  jobLog(jobId: string): LogLine[] | undefined {
    return this.runner.log(jobId) ?? this.parts.jobLogs?.read(jobId);
  }

  subscribeLog(jobId: string, subscriber: LogSubscriber): (() => void) | undefined {
    return this.runner.subscribe(jobId, subscriber);
  }

  async status(): Promise<BridgeStatus> {
    const running = this.runner.current();
    const repository = describeRepositoryHealth(this.repositoryHealth);
    return buildStatus({
      now: new Date(),
      settings: this.parts.settings,
      otherProblems: [...this.problems.values(), ...(repository.problem ? [repository.problem] : [])],
      warnings: repository.warning ? [repository.warning] : [],
      lastGood: this.lastGood(),
      running,
      results: Object.values(this.runner.lastResults()),
      records: this.verifications,
      nextRuns: this.scheduler?.nextRuns(1) ?? {},
      repositoryLocation: this.parts.repository.destination.location,
    });
  }

  async listBackups(): Promise<BackupSummary[]> {
    await this.refresh();
    return backupSummaries(this.snapshots, this.verifications, this.parts.repository.destination.location);
  }

  getBackup(id: string): Promise<SnapshotManifest> {
    return findSnapshot(this.parts.repository, id);
  }

  settings(): SettingsView {
    const { effective, locked, problems } = this.parts.settings;
    return { effective: settingsForDisplay(effective), locked, problems };
  }

  command(request: CommandRequest): Promise<CommandReply> {
    return handleCommand(request, slashDeps(this));
  }

  metrics(): string {
    return this.meter.render();
  }

  async schedulePreview(request: SchedulePreviewRequest): Promise<SchedulePreview> {
    const { backupSchedule, timeZone } = this.parts.settings.effective;
    return previewSchedule(request.cron ?? backupSchedule, request.timeZone ?? timeZone, request.count, new Date());
  }

  async retentionPreview(request: RetentionPreviewRequest): Promise<RetentionPreview> {
    await this.refresh();
    return previewRetention(this.snapshots, this.verifications, previewPolicy(this.parts.settings.effective, request), new Date());
  }

  async destinations(): Promise<DestinationsView> {
    return destinationsView(this.parts.repository, this.parts.settings.effective.offsiteRepo);
  }

  /** Concurrent clicks share one probe per destination instead of stacking up. */
  private destinationTest?: Promise<DestinationTestResult[]>;

  async testDestinations(): Promise<{ results: DestinationTestResult[] }> {
    this.destinationTest ??= testDestinations(this.parts.repository, this.parts.settings.effective.offsiteRepo).finally(() => (this.destinationTest = undefined));
    return { results: await this.destinationTest };
  }
}
