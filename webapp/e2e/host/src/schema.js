// Turns a plugin manifest's settings_schema into the page Mattermost's System Console shows for it
// (custom_plugin_settings/index.tsx): an "Enable Plugin" setting first; each setting keyed
// "PluginSettings.Plugins.<id>.<lower-case key>"; a setting with a registered custom component rendered by
// it (type "custom"), a "custom" setting without one replaced by a warning banner; sections in manifest
// order, a custom section rendered by its registered component, else by its fallback settings, else a banner.

const ENABLE_LABEL = 'Enable Plugin: ';

function enableSetting(pluginId) {
    return {
        type: 'bool',
        key: `PluginSettings.PluginStates.${escapePathPart(pluginId)}.Enable`,
        label: ENABLE_LABEL,
        help_text: `When true, the ${pluginId} plugin is enabled.`,
    };
}

/** Plugin ids may hold dots, which would split the config path: Mattermost writes them as "+". */
function escapePathPart(part) {
    return part.replace(/\./g, '+');
}

function unescapePathPart(part) {
    return part.replace(/\+/g, '.');
}

function banner(key, label) {
    return {type: 'banner', key, label, banner_type: 'warning'};
}

function parseSettings(pluginId, settings, customComponents) {
    return (settings ?? []).map((setting) => {
        const key = setting.key.toLowerCase();
        const custom = customComponents[key];
        const parsed = {
            ...setting,
            key: `PluginSettings.Plugins.${escapePathPart(pluginId)}.${key}`,
            label: setting.display_name,
            showTitle: custom ? custom.options.showTitle : false,
            component: custom ? custom.component : null,
            enabledBy: enableSetting(pluginId).key,
        };
        if (custom) {
            return {...parsed, type: 'custom'};
        }
        if (setting.type === 'custom') {
            return {...parsed, type: 'banner', label: 'In order to view this setting, enable the plugin.', banner_type: 'warning'};
        }
        return parsed;
    });
}

function parseSections(pluginId, sections, customComponents, customSections) {
    return sections.map((section) => {
        const key = section.key.toLowerCase();
        let settings;
        let component;
        if (section.custom && customSections[key]) {
            component = customSections[key].component;
            settings = parseSettings(pluginId, section.settings, customComponents);
        } else if (section.custom && !section.fallback) {
            settings = [banner(key + 'disabledWarning', 'In order to view this section, enable the plugin.')];
        } else {
            settings = parseSettings(pluginId, section.settings, customComponents);
        }
        return {key, title: section.title, subtitle: section.subtitle, header: section.header, footer: section.footer, settings, component};
    });
}

/** {id, name, header, footer, settings} or {id, name, footer, sections}; null when the plugin is unknown. */
function pluginSchema(state, pluginId) {
    const plugin = state.entities.admin.plugins?.[pluginId];
    if (!plugin) {
        return null;
    }
    const customComponents = state.plugins.adminConsoleCustomComponents[pluginId] ?? {};
    const customSections = state.plugins.adminConsoleCustomSections[pluginId] ?? {};
    const schema = plugin.settings_schema ?? {};
    const sections = schema.sections?.length ? parseSections(pluginId, schema.sections, customComponents, customSections) : [];
    let settings = schema.settings?.length ? parseSettings(pluginId, schema.settings, customComponents) : [];
    const enableSectionKey = `PluginSettings.PluginStates.${escapePathPart(pluginId)}.Enable.Section`;

    // The Enable setting in a section of its own on top, as the servers this plugin supports show it (the
    // newest put it there only when the schema has a footer); the plugin's settings are disabled while it is false.
    if (sections.length > 0) {
        sections.unshift({key: enableSectionKey, settings: [enableSetting(pluginId)]});
    } else {
        settings.unshift(enableSetting(pluginId));
    }
    if (sections.length > 0 && settings.length > 0) {
        sections.unshift({key: enableSectionKey, settings});
        settings = [];
    }
    return {
        id: plugin.id,
        name: plugin.name,

        // Mattermost's page drops settings_schema.header (it sets the schema's header to undefined).
        header: undefined,
        footer: schema.footer,
        settings: sections.length > 0 ? undefined : settings,
        sections: sections.length > 0 ? sections : undefined,
    };
}

/** Value at a dotted config path ("PluginSettings.Plugins.backup-dr.bridgepath"). */
function configValue(config, path) {
    return path.split('.').reduce((obj, part) => (obj == null ? undefined : obj[unescapePathPart(part)]), config);
}

function withConfigValue(config, path, value) {
    const copy = JSON.parse(JSON.stringify(config));
    const parts = path.split('.').map(unescapePathPart);
    let obj = copy;
    for (const part of parts.slice(0, -1)) {
        obj[part] ??= {};
        obj = obj[part];
    }
    obj[parts[parts.length - 1]] = value;
    return copy;
}

function allSettings(schema) {
    return schema.settings ?? schema.sections.flatMap((section) => section.settings);
}

module.exports = {enableSetting, pluginSchema, configValue, withConfigValue, allSettings};
