/**
 * What the HTTP layer needs from the bridge: the contract between `src/api` and the service that `mmbackup
 * serve` assembles (scheduler, JobRunner, repository, settings watcher, slash command handler, metrics).
 * The HTTP layer never reaches past this interface, so it can be tested with a small in-memory core and the
 * real one can change behind it.
 *
 * Contract for every method:
 * - failures are MmBackupErrors whose `message` and `fix` are fit for an admin to read (the HTTP layer maps
 *   `code` to a status: BUSY → 409, *NOT_FOUND → 404, exit code "usage" → 400, anything else → 500);
 * - nothing returned holds a secret (the HTTP layer redacts every string again, as a second line of defence);
 * - times are ISO 8601 strings in UTC.
 */
import type { ComponentName, SnapshotManifest } from '../repository/snapshots';
import type { SettingProblem } from '../settings/load';
import type { JobResult, LogLine, LogSubscriber } from '../schedule/runner';

export type { JobResult, LogLine, LogSubscriber };

/** The job the bridge is running right now. */
export interface RunningJob {
  id: string;
  /** "backup", "verify", "drill", "prune", "copy" */
  kind: string;
  /** The step in progress, e.g. "dump-db"; absent before the first step starts. */
  step?: string;
  /** Bytes processed so far in the current step. */
  bytes: number;
  startedAt: string;
}

export interface LastSuccess {
  snapshotId: string;
  finishedAt: string;
  sizeBytes: number;
  durationMs: number;
}

export interface LastVerified {
  snapshotId: string;
  at: string;
  /** True when it was a restore drill, false for a read-back verify. */
  drill: boolean;
}

/** GET /api/v1/status: everything the System Console's overview shows. */
export interface BridgeStatus {
  running: RunningJob | null;
  lastSuccess: LastSuccess | null;
  lastVerified: LastVerified | null;
  /** Age of the newest good backup against the configured recovery point objective. */
  rpo: { ageSeconds: number | null; thresholdHours: number; breached: boolean };
  /** Next scheduled run of each job; null when that schedule is off or invalid. */
  nextRuns: { backup: string | null; drill: string | null; prune: string | null };
  /** The repository location, redacted (no keys, no passwords in URLs). */
  repository: string;
  /** Things an admin should know that do not stop backups (e.g. storage nearly full). */
  warnings: string[];
  /** Things that stop or will stop backups (e.g. an invalid cron expression, the repository unreachable). */
  problems: string[];
}

/** One line of GET /api/v1/backups. */
export interface BackupSummary {
  id: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  host: string;
  components: ComponentName[];
  sizeBytes: number;
  /** When this snapshot last passed a verify or drill; null if never. */
  verifiedAt: string | null;
}

/** GET /api/v1/settings: the settings in force. */
export interface SettingsView {
  /** Effective values; secret settings appear only as {set: boolean}. */
  effective: Record<string, unknown>;
  /** Keys forced by MMBACKUP_* variables (shown read-only in the System Console). */
  locked: string[];
  problems: SettingProblem[];
}

/** What POST /api/v1/slash answers Mattermost: an HTTP status and a JSON body (a slash command response). */
export interface SlashReply {
  status: number;
  body: unknown;
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
  startBackup(components?: ComponentName[]): Promise<{ jobId: string }>;
  /** Starts a read-back verification of a snapshot; throws BUSY or SNAPSHOT_NOT_FOUND. */
  startVerify(id: string): Promise<{ jobId: string }>;
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
   * Handles a `/backup` invocation: the raw application/x-www-form-urlencoded body Mattermost posted. The core
   * checks the command token (constant time) and that the invoker is a system admin; the HTTP layer does not
   * authenticate this route.
   */
  handleSlash(formBody: string): Promise<SlashReply>;
  /** Prometheus text exposition format (version 0.0.4). */
  metrics(): string;
}
