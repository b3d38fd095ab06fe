// The drafts slice: the values the admin is editing on the plugin's settings page, before saving. Mattermost
// gives each custom setting its current value; the settings publish it here so the previews follow the edit.
export type DraftsState = Record<string, string>;

export type DraftsAction = {type: 'backup-dr/drafts/changed'; key: string; value: string};

export function draftsReducer(state: DraftsState = {}, action: DraftsAction): DraftsState {
    if (action.type !== 'backup-dr/drafts/changed') {
        return state;
    }
    const key = action.key.toLowerCase();
    return state[key] === action.value ? state : {...state, [key]: action.value};
}

