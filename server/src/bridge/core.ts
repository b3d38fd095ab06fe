/**
 * The bridge: one JobRunner (never two operations at once), the settings in force, the repository, and
 * what the HTTP API, the slash command and the scheduler ask of them (api/core.ts BridgeCore). Jobs are
 * started here (./jobs.ts, with their phases and byte estimates from ./progress.ts) and observed by
 * ./outcomes.ts (alerts, heartbeat, metrics) and ./job-events.ts (the plugin's event stream); assembling and
 * starting everything is ./serve.ts. What the System Console reads is decided by pure functions beside it:
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
import { backupJob, drillJob, pruneJob, verifyJob, type JobContext } from './jobs';
import { trackJob } from './job-events';
import { BridgeMetrics } from './metrics';
import { backupFailed, backupSucceeded, drillFinished, heartbeat, jobFailed, type OutcomeSinks } from './outcomes';
import { previewPolicy, previewRetention, previewSchedule } from './previews';
import { backupEstimates, backupPlan, DRILL_PLAN, drillEstimates, estimatingReporter, PRUNE_PLAN, VERIFY_PLAN, type StepEstimates } from './progress';
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

  constructor(private parts: BridgeParts) {}

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
    return job;
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

  /** The installation as it is now (a moved database, say), and the job's reporter with its byte estimates. */
  private async context(signal: AbortSignal, reporter: JobContext['reporter'], jobId: string, estimates?: (installation: MattermostInstallation) => StepEstimates): Promise<JobContext> {
    const installation = await this.parts.reloadInstallation();
    this.parts = { ...this.parts, installation };
    const { repository, secret, settings } = this.parts;
    const estimating = estimates ? estimatingReporter(reporter, estimates(installation)) : reporter;
    return { repository, secret, installation, settings: settings.effective, reporter: estimating, signal, jobId };
  }

  startBackup(components?: ComponentName[], requester?: Requester): Promise<{ jobId: string }> {
    const unknown = (components ?? []).filter((c) => !ALL_COMPONENTS.includes(c));
    if (unknown.length > 0) {
      return Promise.reject(new MmBackupError({ step: 'backup', code: 'BAD_COMPONENTS', message: `unknown component ${unknown.join(', ')}`, fix: 'use db, config and/or files', exitCode: ExitCode.usage }));
    }
    const effective = this.parts.settings.effective;
    const chosen = components ?? effective.components;
    const plan = backupPlan(chosen, { offsite: effective.offsiteCopy && Boolean(effective.offsiteRepo), prune: !effective.pruneSchedule });
    const snapshots = this.snapshots;
    this.meter.backupAttempts++;
    const job = this.startJob('backup', async (signal, reporter, jobId) => {
      await heartbeat(this.sinks, 'start');
      return backupJob(await this.context(signal, reporter, jobId, (installation) => backupEstimates(installation, chosen, snapshots)), chosen);
    }, { plan }, requester);
    void job.done.then(
      async (manifest) => {
        await this.refresh().catch(() => {});
        await backupSucceeded(this.sinks, manifest);
      },
      async (err) => {
        await this.refresh().catch(() => {});
        await backupFailed(this.sinks, job.id, chosen, err, this.runner.log(job.id));
      },
    );
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

  /** Starts a backup and waits for it (the scheduler holds leadership until it is done). */
  async runScheduledBackup(): Promise<void> {
    const { jobId } = await this.startBackup();
    await this.waitFor(jobId);
  }

  async runScheduledDrill(): Promise<void> {
    const job = this.startJob('drill', async (signal, reporter, jobId) => {
      const snapshot = await findSnapshot(this.parts.repository, 'latest');
      return drillJob(await this.context(signal, reporter, jobId, () => drillEstimates(snapshot)), snapshot);
    }, { plan: DRILL_PLAN });
    const latest = this.lastGood()?.id;
    await job.done.then(
      (report) => drillFinished(this.sinks, job.id, report, undefined, latest),
      (err) => drillFinished(this.sinks, job.id, undefined, err, latest),
    );
    await this.refresh().catch(() => {});
  }

  async runScheduledPrune(): Promise<void> {
    const job = this.startJob('prune', async (signal, reporter, jobId) => pruneJob(await this.context(signal, reporter, jobId)), { plan: PRUNE_PLAN });
    await job.done.catch(async (err) => {
      this.parts.log(`prune failed: ${(err as Error).message}`);
      await jobFailed(this.sinks, job.id, 'prune', err);
    });
    await this.refresh().catch(() => {});
  }

  async startVerify(id: string, requester?: Requester): Promise<{ jobId: string }> {
    const snapshot = await findSnapshot(this.parts.repository, id);
    const job = this.startJob('verify', async (signal, reporter, jobId) => verifyJob(await this.context(signal, reporter, jobId), id), { plan: VERIFY_PLAN }, requester);
    void job.done.catch((err) => jobFailed(this.sinks, job.id, 'verify', err, snapshot.id)).finally(() => this.refresh().catch(() => {}));
    return { jobId: job.id };
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

  jobLog(jobId: string): LogLine[] | undefined {
    return this.runner.log(jobId);
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
