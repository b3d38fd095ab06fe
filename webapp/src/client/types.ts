// The bridge's JSON shapes as the System Console reads them: the one contract in @backup-dr/wire (the bridge
// builds its answers from the same types), under the names the pages use.
export type {
    BackupSummary, BridgeStatus, ComponentName, DestinationTestResult, Health, JobEnd, JobEvent, LastFailure, LogLine,
    RetentionParams, RetentionPreview, RunningJob, SchedulePreview,
} from '@backup-dr/wire';
export type {DestinationView as Destination, DestinationsView as Destinations, SettingsView as BridgeSettings} from '@backup-dr/wire';
