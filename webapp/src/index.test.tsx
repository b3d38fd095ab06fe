import {render, screen} from '@testing-library/react';
import React from 'react';

import {BRIDGE_SETTINGS, PAGE_SETTINGS} from './components/settings/catalog';
import {pluginReducer} from './state';
import type {PluginRegistry} from './types/mattermost';

type PluginLike = {initialize(registry: PluginRegistry, store: unknown): void};

const registerPlugin = jest.fn();
let plugin: PluginLike;

// index.tsx registers itself on import, the way Mattermost loads main.js.
beforeAll(async () => {
    window.registerPlugin = registerPlugin;
    await import('./index');
    plugin = registerPlugin.mock.calls[0]?.[1];
});

function fullRegistry() {
    return {
        registerReducer: jest.fn(),
        registerAdminConsoleCustomSetting: jest.fn(),
        registerAdminConsoleCustomSection: jest.fn(),
        registerWebSocketEventHandler: jest.fn(),
    };
}

test('registers once, as backup-dr', () => {
    expect(registerPlugin).toHaveBeenCalledTimes(1);
    expect(registerPlugin.mock.calls[0][0]).toBe('backup-dr');
});

test('registers the reducer and a custom component for every setting of plugin.json but the generated secret', () => {
    const registry = fullRegistry();
    plugin.initialize(registry, {dispatch: jest.fn()});
    expect(registry.registerReducer).toHaveBeenCalledWith(pluginReducer);
    const calls = registry.registerAdminConsoleCustomSetting.mock.calls;
    expect(calls.map(([key]) => key).sort()).toEqual([...PAGE_SETTINGS, ...BRIDGE_SETTINGS.map((s) => s.key).filter((k) => k !== 'BridgeSecret')].sort());
    const showTitle = Object.fromEntries(calls.map(([key, , options]) => [key, options.showTitle]));
    expect(showTitle).toMatchObject({BackupStatus: false, BackupHistory: false, Destinations: false, SchedulePreview: true, KeepDaily: true});
});

test('job events from Mattermost\'s websocket (custom_backup-dr_job) go into the store', () => {
    const registry = fullRegistry();
    const dispatch = jest.fn();
    plugin.initialize(registry, {dispatch});
    expect(registry.registerWebSocketEventHandler).toHaveBeenCalledWith('custom_backup-dr_job', expect.any(Function));
    const handler = registry.registerWebSocketEventHandler.mock.calls[0][1];
    const event = {jobId: 'backup-1', kind: 'backup', phase: 'progress', step: 'dump-db', bytesDone: 10};
    handler({event: 'custom_backup-dr_job', data: event});
    expect(dispatch).toHaveBeenCalledWith({type: 'backup-dr/job/event', event});
    const state = pluginReducer(undefined, dispatch.mock.calls[0][0]);
    expect(state.liveJob).toMatchObject({jobId: 'backup-1', step: 'dump-db', bytesDone: 10});
});

test('custom sections are registered where the server has them, and draw the section title', () => {
    const registry = fullRegistry();
    plugin.initialize(registry, {dispatch: jest.fn()});
    const sections = registry.registerAdminConsoleCustomSection.mock.calls;
    expect(sections.map(([key]) => key)).toEqual(['status', 'history', 'destinations']);
    const Section = sections[0][1];
    render(<Section settingsList={[<p key='a'>{'the status page'}</p>]}/>);
    expect(screen.getByText('Status')).toBeTruthy();
    expect(screen.getByText('the status page')).toBeTruthy();
});

test('older servers: only what they have is called', () => {
    const registerAdminConsoleCustomSetting = jest.fn();
    expect(() => plugin.initialize({registerAdminConsoleCustomSetting}, {dispatch: jest.fn()})).not.toThrow();
    expect(registerAdminConsoleCustomSetting).toHaveBeenCalled();
    expect(() => plugin.initialize({}, {dispatch: jest.fn()})).not.toThrow();
});
