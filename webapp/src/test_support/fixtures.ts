// Bridge answers in the contract's shapes, for the tests to vary.
import type {BackupSummary, BridgeStatus} from '../client/types';

export function status(overrides: Partial<BridgeStatus> = {}): BridgeStatus {
    return {
        running: null,
        lastSuccess: {snapshotId: 'a1b2c3d4e5f60718', finishedAt: '2026-11-24T03:04:00.000Z', sizeBytes: 5 * 1024 * 1024 * 1024, durationMs: 240_000},
        lastVerified: {snapshotId: 'a1b2c3d4e5f60718', at: '2026-11-24T04:10:00.000Z', drill: true, restoreDurationMs: 252_000},
        rpo: {ageSeconds: 5 * 3600, thresholdHours: 26, breached: false},
        nextRuns: {backup: '2026-11-25T03:00:00.000Z', drill: '2026-11-29T04:00:00.000Z', prune: null},
        repository: '/backup/mattermost',
        warnings: [],
        problems: [],
        health: 'healthy',
        healthReasons: [],
        lastFailure: null,
        ...overrides,
    };
}

export function backup(id: string, finishedAt: string, overrides: Partial<BackupSummary> = {}): BackupSummary {
    return {
        id,
        startedAt: finishedAt,
        finishedAt,
        durationMs: 200_000,
        host: 'mm-app-1',
        components: ['db', 'config', 'files'],
        sizeBytes: 1024 * 1024 * 1024,
        verifiedAt: null,
        verification: null,
        drill: null,
        restoreCommands: [
            `mmbackup restore ${id} --only db`,
            `mmbackup restore ${id} --only config`,
            `mmbackup restore ${id} --only files`,
            `mmbackup restore ${id}`,
        ],
        ...overrides,
    };
}
