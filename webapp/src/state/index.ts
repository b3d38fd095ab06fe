// The plugin's state, registered with registry.registerReducer: Mattermost keeps it at state['plugins-<id>'].
// One small slice per concern; every action type starts with "backup-dr/" since all reducers see all actions.
import {manifest} from '../manifest';

import {backupsReducer, initialBackups} from './backups';
import type {BackupsAction, BackupsState} from './backups';
import {bridgeSettingsReducer, initialBridgeSettings} from './bridge_settings';
import type {BridgeSettingsAction, BridgeSettingsState} from './bridge_settings';
import {draftsReducer} from './drafts';
import type {DraftsAction, DraftsState} from './drafts';
import {initialJobLog, jobLogReducer} from './job_log';
import type {JobLogAction, JobLogState} from './job_log';
import {liveJobReducer} from './live_job';
import type {LiveJobAction, LiveJobState} from './live_job';
import {initialStatus, statusReducer} from './status';
import type {StatusAction, StatusState} from './status';

export const STATE_KEY = `plugins-${manifest.id}`;

export type PluginState = {
    status: StatusState;
    backups: BackupsState;
    jobLog: JobLogState;
    bridgeSettings: BridgeSettingsState;
    drafts: DraftsState;
    liveJob: LiveJobState;
};

export type PluginAction = StatusAction | BackupsAction | JobLogAction | BridgeSettingsAction | DraftsAction | LiveJobAction;

export const initialState: PluginState = {
    status: initialStatus,
    backups: initialBackups,
    jobLog: initialJobLog,
    bridgeSettings: initialBridgeSettings,
    drafts: {},
    liveJob: null,
};

/** The root reducer; written out instead of Redux's combineReducers so the bundle needs nothing from Redux. */
export function pluginReducer(state: PluginState = initialState, action: PluginAction): PluginState {
    const next: PluginState = {
        status: statusReducer(state.status, action as StatusAction),
        backups: backupsReducer(state.backups, action as BackupsAction),
        jobLog: jobLogReducer(state.jobLog, action as JobLogAction),
        bridgeSettings: bridgeSettingsReducer(state.bridgeSettings, action as BridgeSettingsAction),
        drafts: draftsReducer(state.drafts, action as DraftsAction),
        liveJob: liveJobReducer(state.liveJob, action as LiveJobAction),
    };
    const same = (Object.keys(next) as Array<keyof PluginState>).every((k) => next[k] === state[k]);
    return same ? state : next;
}

/** This plugin's part of Mattermost's state; the initial state before the reducer has run. */
export function pluginState(state: unknown): PluginState {
    return (state as Record<string, PluginState | undefined>)?.[STATE_KEY] ?? initialState;
}
