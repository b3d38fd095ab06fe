// The backups slice: the snapshot list of GET backups (newest first) and the snapshot whose restore commands show.
import {listBackups} from '../client/endpoints';
import type {BridgeProblem} from '../client/request';
import type {BackupSummary} from '../client/types';

import {isAbort, problemOf} from './problem';

export type BackupsState = {
    items: BackupSummary[] | null;
    problem: BridgeProblem | null;
    loading: boolean;

    /** The snapshot whose restore commands are shown; null = the newest. */
    selectedId: string | null;
};

export const initialBackups: BackupsState = {items: null, problem: null, loading: false, selectedId: null};

export type BackupsAction =
    | {type: 'backup-dr/backups/requested'}
    | {type: 'backup-dr/backups/received'; items: BackupSummary[]}
    | {type: 'backup-dr/backups/failed'; problem: BridgeProblem}
    | {type: 'backup-dr/backups/selected'; id: string};

export function backupsReducer(state: BackupsState = initialBackups, action: BackupsAction): BackupsState {
    switch (action.type) {
    case 'backup-dr/backups/requested':
        return {...state, loading: true};
    case 'backup-dr/backups/received': {
        // A pruned snapshot cannot stay selected.
        const selectedId = action.items.some((b) => b.id === state.selectedId) ? state.selectedId : null;
        return {items: action.items, problem: null, loading: false, selectedId};
    }
    case 'backup-dr/backups/failed':
        return {...state, problem: action.problem, loading: false};
    case 'backup-dr/backups/selected':
        return {...state, selectedId: action.id};
    default:
        return state;
    }
}

/** The snapshot whose restore commands show: the selected one, else the newest; null when there are none. */
export function selectedBackup(state: BackupsState): BackupSummary | null {
    const items = state.items ?? [];
    return items.find((b) => b.id === state.selectedId) ?? items[0] ?? null;
}

export async function refreshBackups(dispatch: (a: BackupsAction) => void, signal?: AbortSignal): Promise<void> {
    dispatch({type: 'backup-dr/backups/requested'});
    try {
        dispatch({type: 'backup-dr/backups/received', items: await listBackups(signal)});
    } catch (err) {
        if (!isAbort(err)) {
            dispatch({type: 'backup-dr/backups/failed', problem: problemOf(err)});
        }
    }
}
