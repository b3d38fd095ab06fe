// The slice of Mattermost's webapp plugin API this plugin uses. Mattermost ships no types package for the
// registry, so these are written from its source: plugins/registry.ts (the registry methods) and
// admin_console/schema_admin_settings.tsx (what the System Console passes to custom settings and sections).
import type React from 'react';

/**
 * Props the System Console passes to a component registered with registerAdminConsoleCustomSetting.
 * `id` is the config path of the setting, e.g. "PluginSettings.Plugins.backup-dr.backupschedule" (the key
 * lower-cased, as Mattermost stores plugin settings); `value` is the value being edited, before saving;
 * `config` is the saved admin config. Older servers pass only id, value, disabled, setByEnv and onChange.
 */
export type CustomSettingProps = {
    id: string;
    label?: React.ReactNode;
    helpText?: React.ReactNode;
    value?: unknown;
    disabled?: boolean;
    config?: Record<string, unknown>;
    license?: Record<string, unknown>;

    /** True when Mattermost's own MM_* environment forces the setting (not the bridge's MMBACKUP_*). */
    setByEnv?: boolean;
    onChange: (id: string, value: unknown) => void;
    setSaveNeeded?: () => void;
    registerSaveAction?: (action: () => Promise<{error?: {message?: string}}>) => void;
    unRegisterSaveAction?: (action: () => Promise<{error?: {message?: string}}>) => void;
};

/** Props of a component registered with registerAdminConsoleCustomSection: the section's rendered settings. */
export type CustomSectionProps = {
    settingsList?: React.ReactNode[];
};

/** Registry methods this plugin calls; each may be missing on a server that predates it, so all are optional. */
export type PluginRegistry = {
    registerReducer?: (reducer: (state: any, action: any) => any) => void;
    registerAdminConsoleCustomSetting?: (
        key: string,
        component: React.ComponentType<CustomSettingProps>,
        options?: {showTitle?: boolean},
    ) => void;

    /** Calls `handler` for each websocket event of that name; plugin events are named custom_<plugin id>_<event>. */
    registerWebSocketEventHandler?: (event: string, handler: (message: {event: string; data: unknown}) => void) => void;

    /** Servers with settings_schema.sections (9.11 on); feature-detected all the same. */
    registerAdminConsoleCustomSection?: (key: string, component: React.ComponentType<CustomSectionProps>) => void;
};

declare global {
    interface Window {
        registerPlugin(pluginId: string, plugin: {initialize(registry: PluginRegistry, store: unknown): void}): void;
    }
}
