// The bridge's JSON shapes as the System Console reads them (server/src/api/core.ts and the console contract).
// Fields the contract added later are optional: an older bridge leaves them out and the pages make do.

export type ComponentName = 'db' | 'config' | 'files';

export type Health = 'healthy' | 'warning' | 'failing';

/** The job the bridge is running right now. */
export type RunningJob = {
    id: string;

    /** "backup", "verify", "drill", "prune", "copy" */
    kind: string;
    step?: string;

    /** Bytes processed so far in the current step. */
    bytes: number;
    startedAt: string;

    /** Estimate of the current step's bytes; null or absent when unknown. */
    totalBytes?: number | null;
    stepIndex?: number;
    stepCount?: number;
};

export type LastFailure = {
    jobId: string;
    kind: string;
    at: string;
    step: string;
    message: string;

    /** What to do about it; "" when none is known. */
    fix: string;
};

/** GET api/v1/status */
export type BridgeStatus = {
    running: RunningJob | null;
    lastSuccess: {snapshotId: string; finishedAt: string; sizeBytes: number; durationMs: number} | null;
    lastVerified: {snapshotId: string; at: string; drill: boolean; restoreDurationMs?: number | null} | null;
    rpo: {ageSeconds: number | null; thresholdHours: number; breached: boolean};
    nextRuns: {backup: string | null; drill: string | null; prune: string | null};
    repository: string;
    warnings: string[];
    problems: string[];
    health?: Health;
    healthReasons?: string[];
    lastFailure?: LastFailure | null;
};

/** One line of GET api/v1/backups (newest first). */
export type BackupSummary = {
    id: string;
    startedAt: string;
    finishedAt: string;
    durationMs: number;
    host: string;
    components: ComponentName[];
    sizeBytes: number;
    verifiedAt: string | null;
    verification?: {ok: boolean; at: string; readData: boolean} | null;
    drill?: {ok: boolean; at: string; restoreDurationMs: number | null} | null;
    restoreCommands?: string[];
};

/** GET api/v1/settings: the settings in force and which MMBACKUP_* variables force them. */
export type BridgeSettings = {
    effective: Record<string, unknown>;

    /** Plugin setting keys as declared in plugin.json, e.g. "BackupSchedule". */
    locked: string[];
    problems: Array<{key: string; message: string}>;
};

export type SchedulePreview =
    | {valid: true; description: string; nextRuns: string[]}
    | {valid: false; problem: string};

export type RetentionPreview = {
    description: string;
    snapshots: Array<{id: string; finishedAt: string; keep: boolean; reasons: string[]}>;
};

/** The retention rules as the preview endpoint takes them; absent means "the effective setting". */
export type RetentionParams = Partial<Record<
'keepLast' | 'keepHourly' | 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'keepYearly' | 'keepWithin' | 'timeZone',
string>>;

export type Destination = {role: 'primary' | 'offsite'; kind: 'local' | 's3'; location: string};

export type Destinations = {
    destinations: Destination[];
    encryption: {keyFingerprint: string | null};
};

export type DestinationTestResult = {
    role: Destination['role'];
    location: string;
    ok: boolean;
    latencyMs: number;
    message: string;
    fix: string;
};

/** One line of a job's log, as the SSE stream sends it. */
export type LogLine = {at: string; level: 'info' | 'warn' | 'step'; text: string};

/** The `end` event of a job's log: the job's result, or only its id when it had finished before we asked. */
export type JobEnd = {
    id: string;
    kind?: string;
    ok?: boolean;
    cancelled?: boolean;
    error?: {step: string; code: string; message: string; fix?: string};
};
