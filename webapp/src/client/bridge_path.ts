// Where the browser reaches the bridge: a same-origin path (DESIGN section 2), from the BridgePath plugin
// setting in Mattermost's admin config.
import {manifest} from '../manifest';

/** Same as the BridgePath default in plugin.json. */
export const DEFAULT_BRIDGE_PATH = '/backup-dr/';

/** Turns the admin's setting into `/path/`: empty means the default, and slashes are added when missing. */
export function normalizeBridgePath(path: unknown): string {
    const trimmed = typeof path === 'string' ? path.trim() : '';
    if (!trimmed) {
        return DEFAULT_BRIDGE_PATH;
    }
    const leading = trimmed.startsWith('/') ? trimmed : '/' + trimmed;
    return leading.endsWith('/') ? leading : leading + '/';
}

/**
 * This plugin's saved settings in an admin config. Mattermost saves plugin setting keys lower-cased
 * ("bridgepath"); a config written by hand may keep the declared case ("BridgePath"), so both are read.
 */
export function pluginConfig(config: unknown): Record<string, unknown> {
    const plugins = (config as {PluginSettings?: {Plugins?: Record<string, unknown>}} | undefined)?.PluginSettings?.Plugins;
    const section = plugins?.[manifest.id];
    return section && typeof section === 'object' ? section as Record<string, unknown> : {};
}

/** A saved plugin setting by its declared key, whichever case the config stores it in; undefined when unset. */
export function savedSetting(config: unknown, key: string): unknown {
    const section = pluginConfig(config);
    const lower = key.toLowerCase();
    if (lower in section) {
        return section[lower];
    }
    return section[key];
}

/** The bridge path saved in an admin config, normalized. */
export function bridgePathFromConfig(config: unknown): string {
    return normalizeBridgePath(savedSetting(config, 'BridgePath'));
}
