/**
 * Test support for the HTTP layer: a small BridgeCore built on the real JobRunner (so BUSY, the log buffer,
 * subscriptions and cancel behave as in the bridge) with jobs that wait until the test lets them finish, a
 * real EventHub, and a harness that starts the API with a plugin secret, driven as the plugin drives it.
 * Everything that is not about the HTTP layer answers with fixed data.
 */
import type * as http from 'node:http';
import { PROTOCOL, type CommandReply, type CommandRequest } from '@backup-dr/wire';
import { MmBackupError } from '../common/errors';
import type { ComponentName, SnapshotManifest } from '../repository/snapshots';
import type { Reporter } from '../common/reporter';
import { JobRunner } from '../schedule/runner';
import type {
  BackupSummary, BridgeCore, BridgeStatus, DestinationsView, DestinationTestResult, Requester, RetentionPreview, RetentionPreviewRequest,
  SchedulePreview, SchedulePreviewRequest, SettingsView,
} from './core';
import { EventHub } from './events';
import { createApiServer, listenApiServer, type ApiServerOptions } from './server';

export class TestCore implements BridgeCore {
  readonly runner = new JobRunner();
  readonly events = new EventHub({ version: '0.1.0', host: 'test-host' });
  readonly commands: CommandRequest[] = [];
  readonly backupsStarted: Array<ComponentName[] | undefined> = [];
  /** Who each started job was for. */
  readonly requesters: Array<Requester | undefined> = [];
  /** What the preview endpoints handed over after validating the query. */
  readonly scheduleRequests: SchedulePreviewRequest[] = [];
  readonly retentionRequests: RetentionPreviewRequest[] = [];
  destinationTests = 0;
  private release?: () => void;
  private reporter?: Reporter;

  async status(): Promise<BridgeStatus> {
    const job = this.runner.current();
    return {
      running: job
        ? { id: job.id, kind: job.kind, step: job.step, bytes: job.bytesDone, totalBytes: job.bytesTotal ?? null, stepIndex: job.stepIndex, stepCount: job.stepCount, startedAt: job.startedAt }
        : null,
      lastSuccess: null, lastVerified: null,
      rpo: { ageSeconds: null, thresholdHours: 26, breached: true },
      nextRuns: { backup: null, drill: null, prune: null },
      repository: '/var/backups/mattermost', warnings: [], problems: [],
      health: 'failing', healthReasons: ['No backup has succeeded yet.'], lastFailure: null,
    };
  }

  async listBackups(): Promise<BackupSummary[]> {
    return [{
      id: 'abc123', startedAt: 't0', finishedAt: 't1', durationMs: 1, host: 'h', components: ['db'], sizeBytes: 1, verifiedAt: null,
      verification: null, drill: null, restoreCommands: ['mmbackup restore abc123 --repo /var/backups/mattermost', 'mmbackup restore abc123 --only db --repo /var/backups/mattermost'],
    }];
  }

  async schedulePreview(request: SchedulePreviewRequest): Promise<SchedulePreview> {
    this.scheduleRequests.push(request);
    if (request.cron === 'bad') return { valid: false, problem: '"bad" is not a cron expression: e.g. 0 3 * * *' };
    return { valid: true, description: 'every day at 03:00 (UTC)', nextRuns: Array.from({ length: request.count }, (_, i) => new Date(Date.UTC(2026, 0, 2 + i, 3)).toISOString()) };
  }

  async retentionPreview(request: RetentionPreviewRequest): Promise<RetentionPreview> {
    this.retentionRequests.push(request);
    return { description: 'keep last 3 (calendar in UTC)', snapshots: [{ id: 'abc123', finishedAt: 't1', keep: true, reasons: ['last 3 snapshots'] }] };
  }

  async destinations(): Promise<DestinationsView> {
    return { destinations: [{ role: 'primary', kind: 'local', location: '/var/backups/mattermost' }], encryption: { keyFingerprint: 'ab12:cd34:ef56:0123:4567:89ab' } };
  }

  async testDestinations(): Promise<{ results: DestinationTestResult[] }> {
    this.destinationTests++;
    return { results: [{ role: 'primary', location: '/var/backups/mattermost', ok: true, latencyMs: 3, message: 'reachable and writable', fix: '' }] };
  }

  async getBackup(id: string): Promise<SnapshotManifest> {
    throw new MmBackupError({ step: 'find-snapshot', code: 'SNAPSHOT_NOT_FOUND', message: `no snapshot ${id}`, fix: 'see mmbackup list', exitCode: 2 });
  }

  async startBackup(components?: ComponentName[], requester?: Requester): Promise<{ jobId: string }> {
    const jobId = this.startGated('backup', 'dump-db');
    this.backupsStarted.push(components);
    this.requesters.push(requester);
    return { jobId };
  }

  async startVerify(id: string, requester?: Requester): Promise<{ jobId: string }> {
    this.requesters.push(requester);
    return { jobId: this.startGated('verify', `read-data ${id}`) };
  }

  /** A job that logs its first step and then waits for finishJob() or cancel. */
  private startGated(kind: string, step: string): string {
    return this.runner.start(kind, (signal, log) => new Promise<void>((resolve, reject) => {
      log.stepStarted(step, kind === 'backup' ? 'pg_dump mattermost' : undefined);
      this.reporter = log;
      this.release = resolve;
      signal.addEventListener('abort', () => reject(signal.reason));
    })).id;
  }

  async cancelCurrent(): Promise<boolean> {
    return this.runner.cancel();
  }

  /** Writes a line into the running job's log (as the engine's reporter would). */
  logLine(text: string): void {
    this.reporter?.info(text);
  }

  /** Lets the running job finish successfully. */
  finishJob(): void {
    this.release?.();
  }

  jobLog(jobId: string) {
    return this.runner.log(jobId);
  }

  /** Log subscriptions not yet ended or unsubscribed: a stream whose client left must not stay here. */
  activeSubscriptions = 0;

  subscribeLog(jobId: string, subscriber: Parameters<BridgeCore['subscribeLog']>[1]) {
    const unsubscribe = this.runner.subscribe(jobId, subscriber);
    if (!unsubscribe) return undefined;
    this.activeSubscriptions++;
    let active = true;
    return () => {
      if (active) this.activeSubscriptions--;
      active = false;
      unsubscribe();
    };
  }

  settings(): SettingsView {
    return { effective: { BackupSchedule: '0 3 * * *', S3SecretKey: { set: true } }, locked: ['BackupSchedule'], problems: [] };
  }

  async command(request: CommandRequest): Promise<CommandReply> {
    this.commands.push(request);
    return { text: `Backup started for @${request.username}` };
  }

  metrics(): string {
    return '# TYPE mmbackup_backup_attempt_total counter\nmmbackup_backup_attempt_total 3\n';
  }
}

/** A running API with the plugin secret. */
export interface Harness {
  url: string;
  core: TestCore;
  /** The plugin secret, and the headers the plugin sends for alice (a system admin the plugin has checked). */
  secret: string;
  plugin: Record<string, string>;
  metricsToken: string;
  /** Every response body the tests read through fetchText(), to check no secret ever left the bridge. */
  bodies: string[];
  fetchText(path: string, init?: RequestInit): Promise<{ status: number; text: string; headers: Headers }>;
  stop(): Promise<void>;
}

export const TEST_SECRET = 'plugin-secret-4b1d0c2e9f7a';

export async function startHarness(options: Partial<ApiServerOptions> & { secretValue?: string | undefined } = {}): Promise<Harness> {
  const core = new TestCore();
  const metricsToken = 'metrics-token-0123456789';
  const secret = 'secretValue' in options ? options.secretValue : TEST_SECRET;
  const server: http.Server = createApiServer({ core, secret: () => secret, metricsToken, log: () => undefined, ...options });
  const { url } = await listenApiServer(server, 0);
  const bodies: string[] = [];
  const plugin = { [PROTOCOL.headers.secret]: TEST_SECRET, [PROTOCOL.headers.userId]: 'u-alice-0000000000000000000', [PROTOCOL.headers.username]: 'alice' };
  return {
    url, core, secret: TEST_SECRET, plugin, metricsToken, bodies,
    async fetchText(path, init) {
      const res = await fetch(`${url}${path}`, init);
      const text = await res.text();
      bodies.push(text);
      return { status: res.status, text, headers: res.headers };
    },
    async stop() {
      await core.cancelCurrent();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
