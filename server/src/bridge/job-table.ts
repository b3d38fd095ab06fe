/**
 * The bridge's job kinds as rows of one table: what each runs (./jobs.ts), its phases for "step 2 of 5"
 * (./progress.ts), what follows its success and its failure (./outcomes.ts: alerts, heartbeat) and what it
 * counts. The Bridge (./core.ts) takes the table at construction and starts every kind the same way, so every
 * kind is logged (with its id), counted (mmbackup_job_attempt_total{kind}, ..._failure_total{kind}) and
 * alerted through its row: no kind can be forgotten by one of them.
 */
import type { LogLine, StepPlan } from '../schedule/runner';
import type { ComponentName, SnapshotManifest } from '../repository/snapshots';
import { findSnapshot } from '../repository/snapshots';
import type { Settings } from '../settings/schema';
import type { DrillReport } from '../engine/drill';
import { backupJob, drillJob, pruneJob, verifyJob, type JobContext } from './jobs';
import type { BridgeMetrics } from './metrics';
import { backupFailed, backupSucceeded, drillFinished, heartbeat, jobFailed, type OutcomeSinks } from './outcomes';
import { backupEstimates, backupPlan, DRILL_PLAN, drillEstimates, estimatingReporter, PRUNE_PLAN, VERIFY_PLAN } from './progress';

export type JobKindName = 'backup' | 'verify' | 'drill' | 'prune';

/** What a job was asked to do; each row reads the fields it needs. */
export interface JobRequest {
  /** backup: the components (default: the settings'). */
  components?: ComponentName[];
  /** verify: the snapshot; drill: the snapshot an alert names (the newest good one when the drill started). */
  snapshotId?: string;
  /** The snapshots when the job started: a backup estimates its bytes from the newest earlier one. */
  snapshots: SnapshotManifest[];
}

/** How a job ended, for onSuccess and onFailure. */
export interface JobEnd<T> {
  jobId: string;
  request: JobRequest;
  value?: T;
  error?: unknown;
  /** The job's log (the tail goes into a failure alert). */
  log: LogLine[] | undefined;
}

export interface JobRow<T = unknown> {
  /** The phases the console shows as "step i of n". */
  plan(request: JobRequest, settings: Settings): StepPlan;
  /** The work; its context carries the installation as it is now, the repository and the job's reporter. */
  run(context: JobContext, request: JobRequest): Promise<T>;
  /** Before the work, inside the job (the heartbeat's "start" ping). */
  onStart?(sinks: OutcomeSinks): Promise<void>;
  onSuccess?(sinks: OutcomeSinks, end: JobEnd<T>): Promise<void>;
  /** Also called for a cancelled job (the error's code is CANCELLED): each row decides whether to alert. */
  onFailure?(sinks: OutcomeSinks, end: JobEnd<T>): Promise<void>;
  /** Kind-specific metrics; every kind is also counted by kind in BridgeMetrics. */
  metrics?: { attempt?(m: BridgeMetrics): void; success?(m: BridgeMetrics, value: T): void; failure?(m: BridgeMetrics): void };
}

export type JobTable = { [K in JobKindName]: JobRow<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

const backup: JobRow<SnapshotManifest> = {
  plan: (request, settings) => backupPlan(request.components ?? settings.components, { offsite: settings.offsiteCopy && Boolean(settings.offsiteRepo), prune: !settings.pruneSchedule }),
  run: (context, request) => {
    const components = request.components ?? context.settings.components;
    const reporter = estimatingReporter(context.reporter, backupEstimates(context.installation, components, request.snapshots));
    return backupJob({ ...context, reporter }, components);
  },
  onStart: (sinks) => heartbeat(sinks, 'start'),
  // backupSucceeded and backupFailed count the backup metrics themselves (Velero's names).
  onSuccess: (sinks, end) => backupSucceeded(sinks, end.value!),
  onFailure: (sinks, end) => backupFailed(sinks, end.jobId, end.request.components ?? [], end.error, end.log),
  metrics: { attempt: (m) => void m.backupAttempts++ },
};

const verify: JobRow<void> = {
  plan: () => VERIFY_PLAN,
  run: (context, request) => verifyJob(context, request.snapshotId),
  onFailure: (sinks, end) => jobFailed(sinks, end.jobId, 'verify', end.error, end.request.snapshotId),
};

const drill: JobRow<DrillReport> = {
  plan: () => DRILL_PLAN,
  run: async (context) => {
    const snapshot = await findSnapshot(context.repository, 'latest');
    return drillJob({ ...context, reporter: estimatingReporter(context.reporter, drillEstimates(snapshot)) }, snapshot);
  },
  onSuccess: (sinks, end) => drillFinished(sinks, end.jobId, end.value, undefined, end.request.snapshotId),
  onFailure: (sinks, end) => drillFinished(sinks, end.jobId, undefined, end.error, end.request.snapshotId),
};

const prune: JobRow<unknown> = {
  plan: () => PRUNE_PLAN,
  run: (context) => pruneJob(context),
  onFailure: (sinks, end) => jobFailed(sinks, end.jobId, 'prune', end.error),
};

/** The table `mmbackup serve` runs with. */
export function defaultJobTable(): JobTable {
  return { backup, verify, drill, prune };
}
