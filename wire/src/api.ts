/**
 * The bridge's HTTP API as it travels (GET/POST under /api/v1, docs/http-api.md): defined once here and
 * imported by the bridge (server/src/api, server/src/bridge) and the System Console (webapp/src/client), so a
 * change that one side does not follow fails that side's build. Times are ISO 8601 strings in UTC; nothing in
 * these shapes ever holds a secret (the bridge redacts every string it sends).
 */

/** What a backup can capture. */
export type ComponentName = 'db' | 'config' | 'files';

export const COMPONENT_NAMES: readonly ComponentName[] = ['db', 'config', 'files'];

/** The job kinds the bridge runs (one at a time). */
export type JobKind = 'backup' | 'verify' | 'drill' | 'prune' | 'copy';

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
   * the database's size on its server or a walk of the file store. Null when unknown. An estimate: `bytes`
   * may end below or above it.
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
  /**
   * That drill's restore plus the boot of the real Mattermost on the restored data to a healthy ping ("restored
   * and booted in 2 min 14 s"); absent or null when the drill did not boot Mattermost (no binary on the host).
   */
  recoveryMs?: number | null;
}

/** The newest failed job, while no backup succeeded after it. */
export interface LastFailure {
  jobId: string;
  /** "backup", "verify", "drill", "prune" */
  kind: string;
  at: string;
  /** The step that failed, e.g. "dump-db". */
  step: string;
  message: string;
  /** What to do about it; "" when nothing specific is known. */
  fix: string;
}

/** failing: problems, a failed last attempt, or the RPO breached; warning: warnings, no backup or no verification yet. */
export type Health = 'healthy' | 'warning' | 'failing';

export interface Rpo {
  ageSeconds: number | null;
  thresholdHours: number;
  breached: boolean;
}

/** GET /api/v1/status: everything the System Console's overview shows. */
export interface BridgeStatus {
  running: RunningJob | null;
  lastSuccess: LastSuccess | null;
  lastVerified: LastVerified | null;
  /** Age of the newest good backup against the configured recovery point objective. */
  rpo: Rpo;
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

/** One line of GET /api/v1/backups (newest first). */
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
  drill: { ok: boolean; at: string; restoreDurationMs: number | null; recoveryMs?: number | null; mattermostVersion?: string } | null;
  /**
   * The `mmbackup restore` lines to run on the Mattermost host: all components first, then one per component
   * the snapshot holds. Keys come from the environment, never from the line.
   */
  restoreCommands: string[];
}

/** POST /api/v1/backups and POST /api/v1/backups/:id/verify: 202. */
export interface JobStarted {
  jobId: string;
}

/** POST /api/v1/jobs/current/cancel. */
export interface CancelAnswer {
  cancelled: boolean;
}

/** GET /api/v1/schedule/preview. */
export type SchedulePreview =
  | { valid: true; description: string; nextRuns: string[] }
  | { valid: false; problem: string };

/** GET /api/v1/retention/preview: the policy in words, and what it (with prune's safety rules) does to each snapshot. */
export interface RetentionPreview {
  description: string;
  /** Newest first. `reasons`: the rules that keep it, or why it would go. */
  snapshots: Array<{ id: string; finishedAt: string; keep: boolean; reasons: string[] }>;
}

/** The query of GET /api/v1/retention/preview; absent means the setting in force. */
export type RetentionParams = Partial<Record<
  'keepLast' | 'keepHourly' | 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'keepYearly' | 'keepWithin' | 'timeZone',
  string>>;

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

/** One setting that could not be used; `message` is redacted and names where the value came from. */
export interface SettingProblem {
  /** The plugin setting key, e.g. "BackupSchedule". */
  key: string;
  message: string;
}

/** GET /api/v1/settings: the settings in force. */
export interface SettingsView {
  /** Effective values; secret settings appear only as {set: boolean}. */
  effective: Record<string, unknown>;
  /** Plugin setting keys forced by MMBACKUP_* variables (shown read-only in the System Console). */
  locked: string[];
  problems: SettingProblem[];
}

/** One line of a job's log (GET /api/v1/jobs/:id/log data events, and `job` events with phase "log"). */
export interface LogLine {
  at: string;
  level: 'info' | 'warn' | 'step';
  text: string;
}

/** The public part of a job's failure. */
export interface JobError {
  step: string;
  code: string;
  message: string;
  fix?: string;
}

/** The `end` event of GET /api/v1/jobs/:id/log: the job's result, or only its id when it had finished before. */
export interface JobEnd {
  id: string;
  kind?: string;
  ok?: boolean;
  cancelled?: boolean;
  finishedAt?: string;
  durationMs?: number;
  error?: JobError;
}

/** Every error answer: `error` is the code (e.g. "BUSY", "BRIDGE_NOT_RUNNING"), `fix` says what to do. */
export interface ApiErrorBody {
  error: string;
  message: string;
  fix?: string;
}
