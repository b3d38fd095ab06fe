/**
 * What the HTTP layer needs from the bridge: the contract between `src/api` and the service that `mmbackup
 * serve` assembles (scheduler, JobRunner, repository, settings watcher, /backup command handler, event
 * stream, metrics). The JSON shapes themselves are the shared contract in @backup-dr/wire.
 * The HTTP layer never reaches past this interface, so it can be tested with a small in-memory core and the
 * real one can change behind it.
 *
 * Contract for every method:
 * - failures are MmBackupErrors whose `message` and `fix` are fit for an admin to read (the HTTP layer maps
 *   `code` to a status: BUSY → 409, *NOT_FOUND → 404, exit code "usage" → 400, anything else → 500);
 * - nothing returned holds a secret (the HTTP layer redacts every string again, as a second line of defence);
 * - times are ISO 8601 strings in UTC.
 */
import type {
  BackupSummary, BridgeStatus, CommandReply, CommandRequest, ComponentName, DestinationsView, DestinationTestResult, RetentionPreview,
  SchedulePreview, SettingsView,
} from '@backup-dr/wire';
import type { SnapshotManifest } from '../repository/snapshots';
import type { JobResult, LogLine, LogSubscriber } from '../schedule/runner';
import type { EventHub } from './events';

export type {
  BackupSummary, BridgeStatus, DestinationsView, DestinationTestResult, DestinationView, Health, LastFailure, LastSuccess, LastVerified,
  RetentionPreview, RunningJob, SchedulePreview, SettingsView,
} from '@backup-dr/wire';
export type { JobResult, LogLine, LogSubscriber };

/** What the schedule preview is asked about; absent values mean the backup schedule and time zone in force. */
export interface SchedulePreviewRequest {
  cron?: string;
  timeZone?: string;
  /** 1 to 20. */
  count: number;
}

/**
 * Retention values to try instead of the settings in force (absent: the setting). Counts: 0 turns the rule
 * off, Infinity is "unlimited"; keepWithin "" turns it off. Already validated by the HTTP layer.
 */
export interface RetentionPreviewRequest {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  keepWithin?: string;
  timeZone?: string;
}

/** The Mattermost user the plugin acts for (X-MMBackup-User-Id / X-MMBackup-Username), for the job log. */
export interface Requester {
  userId?: string;
  username?: string;
}

export interface BridgeCore {
  status(): Promise<BridgeStatus>;
  /** Every snapshot, newest first. */
  listBackups(): Promise<BackupSummary[]>;
  /** One snapshot by id or unique id prefix; throws SNAPSHOT_NOT_FOUND. */
  getBackup(id: string): Promise<SnapshotManifest>;
  /**
   * Starts a backup now (all configured components, or only `components`) and resolves as soon as it has
   * started, with the job id to follow. Throws BUSY while another job runs, a usage error for an unknown
   * component.
   */
  startBackup(components?: ComponentName[], requester?: Requester): Promise<{ jobId: string }>;
  /** Starts a read-back verification of a snapshot; throws BUSY or SNAPSHOT_NOT_FOUND. */
  startVerify(id: string, requester?: Requester): Promise<{ jobId: string }>;
  /** Asks the running job to stop; false when nothing runs. Resolves once the request is made, not when it stopped. */
  cancelCurrent(): Promise<boolean>;
  /**
   * The buffered log of a job (the running one, or the last finished one while it is remembered);
   * undefined for an unknown job. Lines are already redacted.
   */
  jobLog(jobId: string): LogLine[] | undefined;
  /**
   * Follows a running job's log: `line` for each new line, then `end` once. Returns the unsubscribe function,
   * or undefined when `jobId` is not running (it finished or never existed). Must be called synchronously
   * after jobLog() so that no line falls between the replay and the live stream (both are synchronous).
   */
  subscribeLog(jobId: string, subscriber: LogSubscriber): (() => void) | undefined;
  settings(): SettingsView;
  /**
   * Handles a `/backup` invocation the plugin has already checked (the caller is a system admin): answers at
   * once; the outcome of a job it started arrives later as a `reply` event.
   */
  command(request: CommandRequest): Promise<CommandReply>;
  /** The event stream the plugin follows (GET /api/v1/events). */
  readonly events: EventHub;
  /** Prometheus text exposition format (version 0.0.4). */
  metrics(): string;
  /** The next runs and the description of a schedule: the one given, or the backup schedule in force. */
  schedulePreview(request: SchedulePreviewRequest): Promise<SchedulePreview>;
  /** Applies a retention policy (the settings in force, with `request` overriding) to the real snapshots; removes nothing. */
  retentionPreview(request: RetentionPreviewRequest): Promise<RetentionPreview>;
  /** The primary repository and the off-site one (MMBACKUP_OFFSITE_REPO) when set, redacted. */
  destinations(): Promise<DestinationsView>;
  /** Probes every destination: opens it, writes, reads back and removes a small object. Never rejects for a failing destination. */
  testDestinations(): Promise<{ results: DestinationTestResult[] }>;
}
