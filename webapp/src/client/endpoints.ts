// One async function per bridge endpoint (DESIGN section 5), through the plugin's routes. Each
// throws a BridgeRequestError whose `problem` says what to show.
import {requestJson} from './request';
import type {
    BackupSummary, BridgeSettings, BridgeStatus, ComponentName, Destinations, DestinationTestResult,
    RetentionParams, RetentionPreview, SchedulePreview,
} from './types';

export {followJobLog} from './job_log';

export function getStatus(signal?: AbortSignal): Promise<BridgeStatus> {
    return requestJson<BridgeStatus>('api/v1/status', {signal});
}

export function listBackups(signal?: AbortSignal): Promise<BackupSummary[]> {
    return requestJson<BackupSummary[]>('api/v1/backups', {signal});
}

/** Starts a backup now: all configured components, or only `only`. Throws BUSY (409) while another job runs. */
export function startBackup(only?: ComponentName[]): Promise<{jobId: string}> {
    return requestJson('api/v1/backups', {method: 'POST', body: only ? {only} : {}});
}

/** Starts a read-back verification of a snapshot (an id, or "latest"). */
export function verifyBackup(snapshotId: string): Promise<{jobId: string}> {
    return requestJson(`api/v1/backups/${encodeURIComponent(snapshotId)}/verify`, {method: 'POST', body: {}});
}

/** Asks the running job to stop; `cancelled` is false when nothing was running. */
export function cancelCurrentJob(): Promise<{cancelled: boolean}> {
    return requestJson('api/v1/jobs/current/cancel', {method: 'POST', body: {}});
}

export function getSettings(signal?: AbortSignal): Promise<BridgeSettings> {
    return requestJson<BridgeSettings>('api/v1/settings', {signal});
}

/** The next runs of a cron expression; undefined arguments mean the bridge's effective backup schedule and zone. */
export function previewSchedule(cron: string | undefined, timeZone: string | undefined, count = 5, signal?: AbortSignal): Promise<SchedulePreview> {
    return requestJson<SchedulePreview>('api/v1/schedule/preview', {query: {cron, timeZone, count: String(count)}, signal});
}

/** What a retention policy would keep of the repository's snapshots (nothing is removed). */
export function previewRetention(params: RetentionParams, signal?: AbortSignal): Promise<RetentionPreview> {
    return requestJson<RetentionPreview>('api/v1/retention/preview', {query: params, signal});
}

export function getDestinations(signal?: AbortSignal): Promise<Destinations> {
    return requestJson<Destinations>('api/v1/destinations', {signal});
}

/** Probes every repository (writes and removes a small object). */
export function testDestinations(): Promise<{results: DestinationTestResult[]}> {
    return requestJson('api/v1/destinations/test', {method: 'POST', body: {}});
}
