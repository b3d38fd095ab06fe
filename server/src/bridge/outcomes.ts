/**
 * What the bridge does when a job ends: the alert for the ops channel (an `alert` event, once per ongoing
 * problem, a recovery after a failure), the external heartbeat, and the metrics. None of it may fail the job
 * or throw.
 */
import { MmBackupError, asMmBackupError } from '../common/errors';
import type { AlertNotifier } from '../alerts/notifier';
import { pingHeartbeat, type HeartbeatEvent } from '../alerts/heartbeat';
import type { DrillReport } from '../engine/drill';
import type { LogLine } from '../schedule/runner';
import type { ComponentName, SnapshotManifest } from '../repository/snapshots';
import type { BridgeMetrics } from './metrics';

export interface OutcomeSinks {
  notifier?: AlertNotifier;
  heartbeatUrl?: string;
  metrics: BridgeMetrics;
  log: (line: string) => void;
}

export async function heartbeat(sinks: OutcomeSinks, event: HeartbeatEvent): Promise<void> {
  if (!sinks.heartbeatUrl) return;
  const result = await pingHeartbeat(sinks.heartbeatUrl, event);
  if (!result.ok) sinks.log(`heartbeat ${event} not delivered: ${result.error}`);
}

export async function backupSucceeded(sinks: OutcomeSinks, manifest: SnapshotManifest): Promise<void> {
  sinks.metrics.backupSucceeded(new Date(manifest.finishedAt), manifest.durationMs, manifest.totals.size);
  await sinks.notifier?.recovered({ snapshot: manifest });
  await heartbeat(sinks, 'success');
}

export async function backupFailed(sinks: OutcomeSinks, jobId: string, components: ComponentName[], err: unknown, log: LogLine[] | undefined): Promise<void> {
  sinks.metrics.backupFailures++;
  const error = asMmBackupError(err, 'backup');
  if (error.code !== 'CANCELLED') {
    const logTail = (log ?? []).slice(-15).map((l) => l.text);
    await sinks.notifier?.failed({ jobId, components, error, logTail });
  }
  await heartbeat(sinks, 'fail');
}

/** A verify or prune that failed (not one that was cancelled) is alerted once. */
export async function jobFailed(sinks: OutcomeSinks, jobId: string, kind: 'verify' | 'prune', err: unknown, snapshotId?: string): Promise<void> {
  const error = asMmBackupError(err, kind);
  if (error.code === 'CANCELLED' || error.code === 'ABORTED') return;
  await sinks.notifier?.jobFailed({ jobId, kind, error, ...(snapshotId ? { snapshotId } : {}) });
}

export async function drillFinished(sinks: OutcomeSinks, jobId: string, report: DrillReport | undefined, err: unknown, snapshotId: string | undefined): Promise<void> {
  if (report) {
    sinks.metrics.drillLastSuccessSeconds = Date.now() / 1000;
    sinks.metrics.restoreDurationSeconds = report.restoreDurationMs / 1000;
    await sinks.notifier?.resolved('drill');
    return;
  }
  const error = err instanceof MmBackupError ? err : asMmBackupError(err, 'drill');
  if (error.code === 'CANCELLED') return;
  await sinks.notifier?.drillFailed({ jobId, snapshotId: snapshotId ?? 'latest', mismatches: [error.message], error });
}
