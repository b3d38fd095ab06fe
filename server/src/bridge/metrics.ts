/**
 * Prometheus metrics, named like Velero's and the pgBackRest exporter's so that existing dashboards and
 * alert rules translate: text exposition format 0.0.4.
 */
import { byCodeUnits } from '../common/order';

export class BridgeMetrics {
  backupAttempts = 0;
  backupFailures = 0;
  lastSuccessSeconds?: number;
  lastDurationSeconds?: number;
  lastSizeBytes?: number;
  drillLastSuccessSeconds?: number;
  restoreDurationSeconds?: number;
  /** Jobs started and failed (cancelled ones included), by kind: every kind of the job table is counted alike. */
  readonly jobAttempts = new Map<string, number>();
  readonly jobFailures = new Map<string, number>();

  jobStarted(kind: string): void {
    this.jobAttempts.set(kind, (this.jobAttempts.get(kind) ?? 0) + 1);
    if (!this.jobFailures.has(kind)) this.jobFailures.set(kind, 0);
  }

  jobFailed(kind: string): void {
    this.jobFailures.set(kind, (this.jobFailures.get(kind) ?? 0) + 1);
  }

  backupSucceeded(finishedAt: Date, durationMs: number, sizeBytes: number): void {
    this.lastSuccessSeconds = finishedAt.getTime() / 1000;
    this.lastDurationSeconds = durationMs / 1000;
    this.lastSizeBytes = sizeBytes;
  }

  render(): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number | undefined) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      if (value !== undefined) lines.push(`${name} ${value}`);
    };
    metric('mmbackup_backup_attempt_total', 'counter', 'Backups started by this bridge.', this.backupAttempts);
    metric('mmbackup_backup_failure_total', 'counter', 'Backups that failed.', this.backupFailures);
    metric('mmbackup_backup_last_success_timestamp_seconds', 'gauge', 'When the newest good backup finished (Unix time).', this.lastSuccessSeconds);
    metric('mmbackup_backup_duration_seconds', 'gauge', 'Duration of the newest good backup.', this.lastDurationSeconds);
    metric('mmbackup_backup_size_bytes', 'gauge', 'Bytes captured by the newest good backup, before deduplication.', this.lastSizeBytes);
    metric('mmbackup_drill_last_success_timestamp_seconds', 'gauge', 'When the newest successful restore drill finished (Unix time).', this.drillLastSuccessSeconds);
    metric('mmbackup_restore_duration_seconds', 'gauge', 'Restore time measured by the newest drill.', this.restoreDurationSeconds);
    const byKind = (name: string, help: string, counts: Map<string, number>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [kind, n] of [...counts].sort(([a], [b]) => byCodeUnits(a, b))) lines.push(`${name}{kind="${kind}"} ${n}`);
    };
    byKind('mmbackup_job_attempt_total', 'Jobs started by this bridge, by kind (backup, verify, drill, prune).', this.jobAttempts);
    byKind('mmbackup_job_failure_total', 'Jobs that failed or were cancelled, by kind.', this.jobFailures);
    return `${lines.join('\n')}\n`;
  }
}
