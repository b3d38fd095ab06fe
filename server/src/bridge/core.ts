/**
 * The bridge: one JobRunner (never two operations at once), the settings in force, the repository, and
 * what the HTTP API, the slash command and the scheduler ask of them (api/core.ts BridgeCore). Jobs are
 * started here and observed by ./outcomes.ts; assembling and starting everything is ./serve.ts.
 */
import { ExitCode, MmBackupError } from '../common/errors';
import type { BackupSummary, BridgeCore, BridgeStatus, SettingsView, SlashReply } from '../api/core';
import type { LogLine, LogSubscriber } from '../schedule/runner';
import { JobRunner } from '../schedule/runner';
import { rpoAge, rpoBreached } from '../schedule/overdue';
import type { Scheduler } from '../schedule/scheduler';
import type { MattermostInstallation } from '../mattermost/types';
import type { Secret } from '../repository/keys';
import type { Repository } from '../repository/repository';
import { ALL_COMPONENTS, findSnapshot, listSnapshots, type ComponentName, type SnapshotManifest } from '../repository/snapshots';
import { listVerifications, type VerificationRecord } from '../repository/verifications';
import { settingsForDisplay, type LoadedSettings } from '../settings/load';
import { handleSlash } from '../slash/handler';
import { parseSlashRequest } from '../slash/request';
import { backupJob, drillJob, pruneJob, verifyJob, type JobContext } from './jobs';
import { BridgeMetrics } from './metrics';
import { backupFailed, backupSucceeded, drillFinished, heartbeat, type OutcomeSinks } from './outcomes';
import { slashDeps, type SlashState } from './slash-deps';

export interface BridgeParts {
  repository: Repository;
  secret: Secret;
  installation: MattermostInstallation;
  settings: LoadedSettings;
  /** Re-reads Mattermost's config: every job starts from the config as it is now (a moved database, say). */
  reloadInstallation: () => Promise<MattermostInstallation>;
  sinks: Omit<OutcomeSinks, 'metrics'>;
  slash: SlashState;
  log: (line: string) => void;
}

export class Bridge implements BridgeCore {
  readonly runner = new JobRunner();
  readonly meter = new BridgeMetrics();
  scheduler?: Scheduler;
  /** Problems found outside the settings (alert channel unknown, slash registration failed...). */
  readonly problems = new Map<string, string>();
  private snapshots: SnapshotManifest[] = [];
  private verifications: VerificationRecord[] = [];

  constructor(private parts: BridgeParts) {}

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

  private async context(signal: AbortSignal, reporter: JobContext['reporter']): Promise<JobContext> {
    const installation = await this.parts.reloadInstallation();
    this.parts = { ...this.parts, installation };
    const { repository, secret, settings } = this.parts;
    return { repository, secret, installation, settings: settings.effective, reporter, signal };
  }

  startBackup(components?: ComponentName[]): Promise<{ jobId: string }> {
    const unknown = (components ?? []).filter((c) => !ALL_COMPONENTS.includes(c));
    if (unknown.length > 0) {
      return Promise.reject(new MmBackupError({ step: 'backup', code: 'BAD_COMPONENTS', message: `unknown component ${unknown.join(', ')}`, fix: 'use db, config and/or files', exitCode: ExitCode.usage }));
    }
    const chosen = components ?? this.parts.settings.effective.components;
    this.meter.backupAttempts++;
    const job = this.runner.start('backup', async (signal, reporter) => {
      await heartbeat(this.sinks, 'start');
      return backupJob(await this.context(signal, reporter), chosen);
    });
    void job.done.then(
      async (manifest) => {
        await this.refresh().catch(() => {});
        await backupSucceeded(this.sinks, manifest);
      },
      async (err) => {
        await this.refresh().catch(() => {});
        await backupFailed(this.sinks, chosen, err, this.runner.log(job.id));
      },
    );
    return Promise.resolve({ jobId: job.id });
  }

  /** Alerts when no good backup finished within the RPO threshold (the notifier keeps it to one post per period). */
  async checkOverdue(now: Date): Promise<void> {
    const last = this.lastGood();
    const lastAt = last ? new Date(last.finishedAt) : undefined;
    const { rpoHours } = this.parts.settings.effective;
    if (rpoBreached(lastAt, rpoHours, now)) await this.parts.sinks.notifier?.overdue({ lastSuccessAt: lastAt, now, rpoHours });
  }

  /** Starts a backup and waits for it (the scheduler holds leadership until it is done). */
  async runScheduledBackup(): Promise<void> {
    const { jobId } = await this.startBackup();
    await this.waitFor(jobId);
  }

  async runScheduledDrill(): Promise<void> {
    const job = this.runner.start('drill', async (signal, reporter) => drillJob(await this.context(signal, reporter)));
    const latest = this.lastGood()?.id;
    await job.done.then(
      (report) => drillFinished(this.sinks, report, undefined, latest),
      (err) => drillFinished(this.sinks, undefined, err, latest),
    );
    await this.refresh().catch(() => {});
  }

  async runScheduledPrune(): Promise<void> {
    await this.runner.run('prune', async (signal, reporter) => pruneJob(await this.context(signal, reporter))).catch((err) => this.parts.log(`prune failed: ${(err as Error).message}`));
    await this.refresh().catch(() => {});
  }

  async startVerify(id: string): Promise<{ jobId: string }> {
    await findSnapshot(this.parts.repository, id);
    const job = this.runner.start('verify', async (signal, reporter) => verifyJob(await this.context(signal, reporter), id));
    void job.done.finally(() => this.refresh().catch(() => {})).catch(() => {});
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
    const now = new Date();
    const { effective, problems } = this.parts.settings;
    const last = this.lastGood();
    const lastAt = last ? new Date(last.finishedAt) : undefined;
    const running = this.runner.current();
    const verified = [...this.verifications].sort((a, b) => b.at.localeCompare(a.at))[0];
    const next = this.scheduler?.nextRuns(1) ?? {};
    const age = rpoAge(lastAt, now);
    const failure = this.runner.lastResult('backup');
    return {
      running: running ? { id: running.id, kind: running.kind, step: running.step, bytes: running.bytesDone, startedAt: running.startedAt } : null,
      lastSuccess: last ? { snapshotId: last.id, finishedAt: last.finishedAt, sizeBytes: last.totals.size, durationMs: last.durationMs } : null,
      lastVerified: verified ? { snapshotId: verified.snapshot, at: verified.at, drill: verified.drill } : null,
      rpo: { ageSeconds: age === undefined ? null : Math.round(age / 1000), thresholdHours: effective.rpoHours, breached: rpoBreached(lastAt, effective.rpoHours, now) },
      nextRuns: { backup: next.backup?.[0]?.toISOString() ?? null, drill: next.drill?.[0]?.toISOString() ?? null, prune: next.prune?.[0]?.toISOString() ?? null },
      repository: this.parts.repository.destination.location,
      warnings: [...(failure && !failure.ok && !failure.cancelled ? [`the last backup failed at ${failure.error?.step}: ${failure.error?.message}`] : [])],
      problems: [...problems.map((p) => `${p.key}: ${p.message}`), ...this.problems.values()],
    };
  }

  async listBackups(): Promise<BackupSummary[]> {
    await this.refresh();
    return this.snapshots.map((s) => ({
      id: s.id,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      durationMs: s.durationMs,
      host: s.host,
      components: Object.keys(s.components) as ComponentName[],
      sizeBytes: s.totals.size,
      verifiedAt: this.verifications.filter((v) => v.snapshot === s.id).map((v) => v.at).sort().pop() ?? null,
    }));
  }

  getBackup(id: string): Promise<SnapshotManifest> {
    return findSnapshot(this.parts.repository, id);
  }

  settings(): SettingsView {
    const { effective, locked, problems } = this.parts.settings;
    return { effective: settingsForDisplay(effective), locked, problems };
  }

  async handleSlash(formBody: string): Promise<SlashReply> {
    const request = parseSlashRequest(formBody);
    return handleSlash(request, slashDeps(this, this.parts.slash));
  }

  metrics(): string {
    return this.meter.render();
  }
}
