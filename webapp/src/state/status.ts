// The status slice: the bridge's GET status answer, or why there is none.
import {getStatus} from '../client/endpoints';
import type {BridgeProblem} from '../client/request';
import type {BridgeStatus} from '../client/types';

import {isAbort, problemOf} from './problem';

export type StatusState = {
    data: BridgeStatus | null;
    problem: BridgeProblem | null;
    loading: boolean;
};

export const initialStatus: StatusState = {data: null, problem: null, loading: false};

export type StatusAction =
    | {type: 'backup-dr/status/requested'}
    | {type: 'backup-dr/status/received'; data: BridgeStatus}
    | {type: 'backup-dr/status/failed'; problem: BridgeProblem};

export function statusReducer(state: StatusState = initialStatus, action: StatusAction): StatusState {
    switch (action.type) {
    case 'backup-dr/status/requested':
        return {...state, loading: true};
    case 'backup-dr/status/received':
        return {data: action.data, problem: null, loading: false};
    case 'backup-dr/status/failed':
        // Keep the last answer for context; the problem is shown on top of it.
        return {...state, problem: action.problem, loading: false};
    default:
        return state;
    }
}

/** Fetches the status into the store; resolves with it, or null when it failed (the problem is in the store). */
export async function refreshStatus(dispatch: (a: StatusAction) => void, signal?: AbortSignal): Promise<BridgeStatus | null> {
    dispatch({type: 'backup-dr/status/requested'});
    try {
        const data = await getStatus(signal);
        dispatch({type: 'backup-dr/status/received', data});
        return data;
    } catch (err) {
        if (!isAbort(err)) {
            dispatch({type: 'backup-dr/status/failed', problem: problemOf(err)});
        }
        return null;
    }
}
