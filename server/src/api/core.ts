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
  /**
   * Estimated bytes of the current step, for a progress bar: the previous snapshot's size of that part, else
   * the database's size on its server or a walk of the file store. Null when unknown (steps that report no
   * bytes, a first backup of an S3 file store). An estimate: `bytes` may end below or above it.
   */
  totalBytes: number | null;
  /** The current phase of the job (1-based) and how many it has, e.g. 2 of 5; absent when not known. */
  stepIndex?: number;
  stepCount?: number;
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
  /** Measured restore time of the newest passing drill (of any snapshot): the honest RTO; null if none was measured. */
  restoreDurationMs: number | null;
}

/** The newest failed job, while no backup succeeded after it. Never holds a secret. */
export interface LastFailure {
  jobId: string;
  /** "backup", "verify", "drill", "prune" */
  kind: string;
  /** When it failed. */
  at: string;
  /** The step that failed, e.g. "dump-db". */
  step: string;
  message: string;
  /** What to do about it; "" when nothing specific is known. */
  fix: string;
}

/** failing: problems, a failed last attempt, or the RPO breached; warning: warnings, no backup or no verification yet. */
export type Health = 'healthy' | 'warning' | 'failing';

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
  health: Health;
  /** One short sentence per reason the state is not healthy, most serious first; empty when healthy. */
  healthReasons: string[];
  lastFailure: LastFailure | null;
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
  /** The last read-back verification of this snapshot, passed or not; null if never verified. */
  verification: { ok: boolean; at: string; readData: boolean } | null;
  /** The last restore drill of this snapshot, passed or not; null if never drilled. */
  drill: { ok: boolean; at: string; restoreDurationMs: number | null } | null;
  /**
   * The `mmbackup restore` lines to run on the Mattermost host: all components first, then one per component
   * the snapshot holds. The repository is a local path, or "$MMBACKUP_REPO" for S3; keys come from the
   * environment (MMBACKUP_KEY_FILE / MMBACKUP_PASSPHRASE), never from the line.
   */
  restoreCommands: string[];
}

/** GET /api/v1/schedule/preview. */
export type SchedulePreview =
  | { valid: true; description: string; nextRuns: string[] }
  | { valid: false; problem: string };

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

/** GET /api/v1/retention/preview: the policy in words, and what it (with prune's safety rules) does to each snapshot. */
export interface RetentionPreview {
  description: string;
  /** Newest first. `reasons`: the rules that keep it, or why it would go. */
  snapshots: Array<{ id: string; finishedAt: string; keep: boolean; reasons: string[] }>;
}

/** One repository the bridge writes to, as it may be shown. */
export interface DestinationView {
  role: 'primary' | 'offsite';
  kind: 'local' | 's3';
  /** A path, or s3://bucket/prefix (endpoint host): never credentials. */
  location: string;
}

/** GET /api/v1/destinations. */
export interface DestinationsView {
  destinations: DestinationView[];
  /** The repository key's fingerprint, to compare with the copy kept off the host. */
  encryption: { keyFingerprint: string | null };
}

/** POST /api/v1/destinations/test: one probe per destination. */
export interface DestinationTestResult {
  role: 'primary' | 'offsite';
  location: string;
  ok: boolean;
  /** How long the probe (open, write, read back, remove) took. */
  latencyMs: number;
  message: string;
  /** "" when ok. */
  fix: string;
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
  /** The next runs and the description of a schedule: the one given, or the backup schedule in force. */
  schedulePreview(request: SchedulePreviewRequest): Promise<SchedulePreview>;
  /** Applies a retention policy (the settings in force, with `request` overriding) to the real snapshots; removes nothing. */
  retentionPreview(request: RetentionPreviewRequest): Promise<RetentionPreview>;
  /** The primary repository and the off-site one (MMBACKUP_OFFSITE_REPO) when set, redacted. */
  destinations(): Promise<DestinationsView>;
  /** Probes every destination: opens it, writes, reads back and removes a small object. Never rejects for a failing destination. */
  testDestinations(): Promise<{ results: DestinationTestResult[] }>;
}
