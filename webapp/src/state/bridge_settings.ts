// The bridge settings slice: GET settings, for which settings MMBACKUP_* variables force (shown locked).
import {getSettings} from '../client/endpoints';
import type {BridgeProblem} from '../client/request';
import type {BridgeSettings} from '../client/types';

import {isAbort, problemOf} from './problem';

export type BridgeSettingsState = {
    data: BridgeSettings | null;
    problem: BridgeProblem | null;
    loading: boolean;
};

export const initialBridgeSettings: BridgeSettingsState = {data: null, problem: null, loading: false};

export type BridgeSettingsAction =
    | {type: 'backup-dr/settings/requested'}
    | {type: 'backup-dr/settings/received'; data: BridgeSettings}
    | {type: 'backup-dr/settings/failed'; problem: BridgeProblem};

export function bridgeSettingsReducer(state: BridgeSettingsState = initialBridgeSettings, action: BridgeSettingsAction): BridgeSettingsState {
    switch (action.type) {
    case 'backup-dr/settings/requested':
        return {...state, loading: true};
    case 'backup-dr/settings/received':
        return {data: action.data, problem: null, loading: false};
    case 'backup-dr/settings/failed':
        return {...state, problem: action.problem, loading: false};
    default:
        return state;
    }
}

// Every setting on the page asks at mount; one request serves them all.
let inFlight: Promise<void> | undefined;

export function loadBridgeSettings(dispatch: (a: BridgeSettingsAction) => void): Promise<void> {
    if (inFlight) {
        return inFlight;
    }
    dispatch({type: 'backup-dr/settings/requested'});
    const request = getSettings().then(
        (data) => dispatch({type: 'backup-dr/settings/received', data}),
        (err) => {
            if (!isAbort(err)) {
                dispatch({type: 'backup-dr/settings/failed', problem: problemOf(err)});
            }
        },
    ).finally(() => {
        inFlight = undefined;
    });
    inFlight = request;
    return request;
}

/** The MMBACKUP_ variable forcing a setting (BackupSchedule → MMBACKUP_BACKUP_SCHEDULE), as the bridge names it. */
export function envNameOf(key: string): string {
    return `MMBACKUP_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** Whether the bridge says an environment variable forces this setting (keys compared case-insensitively). */
export function isLocked(state: BridgeSettingsState, key: string): boolean {
    const lower = key.toLowerCase();
    return Boolean(state.data?.locked?.some((k) => k.toLowerCase() === lower));
}
