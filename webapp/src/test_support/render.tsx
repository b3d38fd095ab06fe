// Renders a console component the way the System Console hosts it: inside a Redux store holding Mattermost's
// admin config (with this plugin's saved settings) and this plugin's reducer at state['plugins-backup-dr'].
import {render} from '@testing-library/react';
import React from 'react';
import {Provider} from 'react-redux';
import {combineReducers, createStore} from 'redux';

import {STATE_KEY, pluginReducer} from '../state';

export function adminConfig(pluginSettings: Record<string, unknown> = {}): Record<string, unknown> {
    return {PluginSettings: {Plugins: {'backup-dr': pluginSettings}}};
}

export function makeStore(config: Record<string, unknown> = adminConfig()) {
    return createStore(combineReducers({
        entities: (state = {admin: {config}}) => state,
        [STATE_KEY]: pluginReducer,
    }));
}

/** Renders `ui` in the store; `rerender` keeps the store, as Mattermost re-renders a setting with new props. */
export function renderInConsole(ui: React.ReactElement, config?: Record<string, unknown>) {
    const store = makeStore(config);
    const result = render(<Provider store={store}>{ui}</Provider>);
    return {...result, store, rerender: (next: React.ReactElement) => result.rerender(<Provider store={store}>{next}</Provider>)};
}
