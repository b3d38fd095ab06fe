// This plugin's saved settings in Mattermost's admin config, as the System Console pages read them.
import {manifest} from '../manifest';

/**
 * This plugin's saved settings in an admin config. Mattermost saves plugin setting keys lower-cased
 * ("backupschedule"); a config written by hand may keep the declared case ("BackupSchedule"), so both are read.
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
