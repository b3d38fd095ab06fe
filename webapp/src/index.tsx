// Only registers; the pages live in components/, the state in state/, the bridge calls in client/.
// The id comes from plugin.json via manifest.ts. Each registry method is called only where the server has it.
import {PROTOCOL} from '@backup-dr/wire';
import type React from 'react';

import DestinationsPage from './components/destinations/destinations_page';
import HistoryPage from './components/history/history_page';
import RetentionPreviewSetting from './components/schedule/retention_preview';
import SchedulePreviewSetting from './components/schedule/schedule_preview';
import BridgeUrlSetting from './components/settings/bridge_url_setting';
import {BRIDGE_SETTINGS, CUSTOM_SECTIONS} from './components/settings/catalog';
import {consoleSection} from './components/settings/console_section';
import {lockableSetting} from './components/settings/lockable_setting';
import StatusPage from './components/status/status_page';
import {manifest} from './manifest';
import type {JobEvent} from './client/types';
import {pluginReducer} from './state';
import type {PluginAction} from './state';
import type {CustomSettingProps, PluginRegistry} from './types/mattermost';

/** The custom settings and their components; showTitle puts the setting's name in the left column. */
export function customSettings(): Array<{key: string; component: React.ComponentType<CustomSettingProps>; showTitle: boolean}> {
    return [
        {key: 'BackupStatus', component: StatusPage, showTitle: false},
        {key: 'BackupHistory', component: HistoryPage, showTitle: false},
        {key: 'SchedulePreview', component: SchedulePreviewSetting, showTitle: true},
        {key: 'RetentionPreview', component: RetentionPreviewSetting, showTitle: true},
        {key: 'Destinations', component: DestinationsPage, showTitle: false},
        ...BRIDGE_SETTINGS.filter((entry) => entry.kind !== 'generated').map((entry) => ({
            key: entry.key,
            component: entry.key === 'BridgeUrl' ? BridgeUrlSetting : lockableSetting(entry),
            showTitle: true,
        })),
    ];
}

/** The websocket event the plugin publishes job events as (PublishWebSocketEvent prefixes custom_<id>_). */
export const JOB_EVENT = `custom_${manifest.id}_${PROTOCOL.websocketEvent}`;

export default class Plugin {
    initialize(registry: PluginRegistry, store: {dispatch(action: PluginAction): unknown}): void {
        registry.registerReducer?.(pluginReducer);

        // Live progress: the plugin relays the bridge's job events to system admins over Mattermost's websocket.
        registry.registerWebSocketEventHandler?.(JOB_EVENT, (message) => {
            store.dispatch({type: 'backup-dr/job/event', event: message.data as JobEvent});
        });

        // A setting whose component is not registered falls back to plugin.json's plain input (text, number, bool).
        for (const {key, component, showTitle} of customSettings()) {
            registry.registerAdminConsoleCustomSetting?.(key, component, {showTitle});
        }

        // Servers before settings sections ignore them; those with sections but no fallback rendering need the
        // registration for the section to show at all.
        if (registry.registerAdminConsoleCustomSection) {
            for (const {key, title, subtitle} of CUSTOM_SECTIONS) {
                registry.registerAdminConsoleCustomSection(key, consoleSection(title, subtitle));
            }
        }
    }
}

window.registerPlugin(manifest.id, new Plugin());
