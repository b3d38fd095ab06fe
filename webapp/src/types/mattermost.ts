// The slice of Mattermost's webapp plugin API this plugin uses. Mattermost ships no types package for the
// registry, so these are written from its source (plugins/registry.ts, schema_admin_settings.tsx).
import type React from 'react';

/** Props Mattermost passes to a component registered with registerAdminConsoleCustomSetting. */
export type CustomSettingProps = {
    id: string;
    value?: string;
    disabled?: boolean;

    /** True when the setting is forced by an environment variable and cannot be edited here. */
    setByEnv?: boolean;
    onChange: (id: string, value: string) => void;
};

export type PluginRegistry = {

    /** Present on servers that support custom System Console settings; absent on very old ones. */
    registerAdminConsoleCustomSetting?: (
        key: string,
        component: React.ComponentType<CustomSettingProps>,
        options?: {showTitle?: boolean},
    ) => void;
};

declare global {
    interface Window {
        registerPlugin(pluginId: string, plugin: {initialize(registry: PluginRegistry, store: unknown): void}): void;
    }
}
