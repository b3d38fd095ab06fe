// One element per setting type, with the markup and class names of Mattermost's admin console settings
// (label in the left column, control and help text in the right), so a plugin's page sits in the layout it
// gets in Mattermost. A custom setting gets exactly the props schema_admin_settings.tsx passes.
const React = require('react');

const h = React.createElement;

/** Mattermost's two-column row (components/admin_console/setting.tsx). */
function Setting({label, inputId, helpText, children}) {
    return h('div', {className: 'form-group'},
        h('label', {className: 'control-label col-sm-4', htmlFor: inputId}, label),
        h('div', {className: 'col-sm-8'}, children, helpText ? h('div', {className: 'help-text'}, helpText) : null),
    );
}

function HelpText({text}) {
    return text ? h('span', {className: 'help-text__markdown'}, text) : null;
}

function textSetting(setting, ctx) {
    const value = ctx.value(setting) ?? setting.default ?? '';
    return h(Setting, {key: setting.key, label: setting.label, inputId: setting.key, helpText: h(HelpText, {text: setting.help_text})},
        h('input', {
            id: setting.key,
            className: 'form-control',
            type: setting.type === 'number' ? 'number' : 'text',
            placeholder: setting.placeholder,
            value: String(value),
            disabled: ctx.disabled(setting),
            onChange: (e) => ctx.onChange(setting.key, setting.type === 'number' ? Number(e.target.value) : e.target.value),
        }),
    );
}

function longTextSetting(setting, ctx) {
    return h(Setting, {key: setting.key, label: setting.label, inputId: setting.key, helpText: h(HelpText, {text: setting.help_text})},
        h('textarea', {
            id: setting.key,
            className: 'form-control',
            rows: 5,
            value: String(ctx.value(setting) ?? setting.default ?? ''),
            disabled: ctx.disabled(setting),
            onChange: (e) => ctx.onChange(setting.key, e.target.value),
        }),
    );
}

function boolSetting(setting, ctx) {
    const value = Boolean(ctx.value(setting) ?? setting.default);
    const radio = (choice, text) => h('label', {className: 'radio-inline'},
        h('input', {
            type: 'radio',
            name: setting.key,
            id: `${setting.key}${choice}`,
            checked: value === choice,
            disabled: ctx.disabled(setting),
            onChange: () => ctx.onChange(setting.key, choice),
        }),
        text,
    );
    return h(Setting, {key: setting.key, label: setting.label, inputId: setting.key, helpText: h(HelpText, {text: setting.help_text})},
        h('div', {className: 'bool-setting'}, radio(true, 'True'), radio(false, 'False')),
    );
}

function dropdownSetting(setting, ctx) {
    return h(Setting, {key: setting.key, label: setting.label, inputId: setting.key, helpText: h(HelpText, {text: setting.help_text})},
        h('select', {
            id: setting.key,
            className: 'form-control',
            value: ctx.value(setting) ?? setting.default ?? '',
            disabled: ctx.disabled(setting),
            onChange: (e) => ctx.onChange(setting.key, e.target.value),
        }, (setting.options ?? []).map((o) => h('option', {key: o.value, value: o.value}, o.display_name))),
    );
}

function radioSetting(setting, ctx) {
    const current = ctx.value(setting) ?? setting.default;
    return h(Setting, {key: setting.key, label: setting.label, inputId: setting.key, helpText: h(HelpText, {text: setting.help_text})},
        (setting.options ?? []).map((o) => h('div', {key: o.value, className: 'radio'}, h('label', null,
            h('input', {type: 'radio', name: setting.key, checked: current === o.value, disabled: ctx.disabled(setting), onChange: () => ctx.onChange(setting.key, o.value)}),
            o.display_name,
        ))),
    );
}

function bannerSetting(setting) {
    return h('div', {key: setting.key, className: `banner banner--${setting.banner_type || 'info'}`},
        h('div', {className: 'banner__content'}, setting.label));
}

function customSetting(setting, ctx) {
    const Component = setting.component;
    const instance = h(Component, {
        key: `${ctx.schemaId}_custom_${setting.key}`,
        id: setting.key,
        label: setting.label,
        helpText: h(HelpText, {text: setting.help_text}),
        value: ctx.value(setting),
        disabled: ctx.disabled(setting),
        config: ctx.config,
        license: ctx.license,
        setByEnv: false,
        onChange: ctx.onChange,
        registerSaveAction: ctx.registerSaveAction,
        setSaveNeeded: ctx.setSaveNeeded,
        unRegisterSaveAction: ctx.unRegisterSaveAction,
        cancelSubmit: ctx.cancelSubmit,
        showConfirm: ctx.showConfirmId === setting.key,
    });
    if (!setting.showTitle) {
        return instance;
    }
    return h(Setting, {key: setting.key, label: setting.label, inputId: setting.key, helpText: setting.help_text}, instance);
}

/** Builders by settings_schema type; Mattermost skips a setting whose type it has no builder for. */
const BUILDERS = {
    text: textSetting,
    number: textSetting,
    generated: textSetting,
    username: textSetting,
    longtext: longTextSetting,
    bool: boolSetting,
    dropdown: dropdownSetting,
    radio: radioSetting,
    banner: bannerSetting,
    custom: customSetting,
};

function buildSetting(setting, ctx) {
    const build = BUILDERS[setting.type];
    return build ? build(setting, ctx) : null;
}

module.exports = {buildSetting};
