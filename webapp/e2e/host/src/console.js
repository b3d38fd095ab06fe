// The System Console page of one plugin (/admin_console/plugins/plugin_<id>): the console's sidebar, the
// plugin's name as the header, its settings or sections built as Mattermost builds them, and the Save bar.
// Values live in the page's state until Save, which writes the admin config as Mattermost does (here:
// PUT /e2e-host/config, which puts the plugin's settings into the installation's config.json).
const React = require('react');
const {useSelector, useStore} = require('react-redux');

const {allSettings, configValue, pluginSchema, withConfigValue} = require('./schema');
const {buildSetting} = require('./settings');
const {ActionTypes} = require('./store');

const h = React.createElement;
const SIDEBAR = [
    ['Reporting', ['Site Statistics', 'Team Statistics', 'Server Logs']],
    ['User Management', ['Users', 'Groups', 'Teams', 'Channels', 'Permissions']],
    ['Environment', ['Web Server', 'Database', 'File Storage']],
    ['Plugins', ['Plugin Management']],
];

function Sidebar({pluginName}) {
    return h('nav', {className: 'admin-sidebar'},
        h('div', {className: 'admin-sidebar__header'}, 'System Console'),
        SIDEBAR.map(([group, items]) => h('div', {key: group, className: 'admin-sidebar__group'},
            h('div', {className: 'admin-sidebar__group-title'}, group),
            items.map((item) => h('div', {key: item, className: 'admin-sidebar__item'}, item)),
            group === 'Plugins' ? h('div', {className: 'admin-sidebar__item active'}, pluginName) : null,
        )),
    );
}

class SchemaSettings extends React.Component {
    constructor(props) {
        super(props);
        this.saveActions = [];
        const values = {};
        for (const setting of allSettings(props.schema)) {
            if (setting.key) {
                values[setting.key] = configValue(props.config, setting.key);
            }
        }
        this.state = {values, saveNeeded: false, saving: false, serverError: null, showConfirmId: ''};
    }

    handleChange = (id, value) => {
        this.setState((state) => ({values: {...state.values, [id]: value}, saveNeeded: true}));
    };

    registerSaveAction = (action) => this.saveActions.push(action);
    unRegisterSaveAction = (action) => {
        const i = this.saveActions.indexOf(action);
        if (i >= 0) {
            this.saveActions.splice(i, 1);
        }
    };
    setSaveNeeded = () => this.setState({saveNeeded: true});
    cancelSubmit = () => this.setState({showConfirmId: ''});

    handleSave = async (e) => {
        e.preventDefault();
        this.setState({saving: true, serverError: null});
        let config = this.props.config;
        for (const [key, value] of Object.entries(this.state.values)) {
            config = withConfigValue(config, key, value);
        }
        const error = await this.props.patchConfig(config);
        const results = await Promise.all(this.saveActions.map((action) => action()));
        const actionError = results.find((r) => r?.error?.message)?.error.message;
        this.setState({saving: false, serverError: error ?? actionError ?? null, saveNeeded: Boolean(error ?? actionError)});
    };

    settingContext() {
        return {
            schemaId: this.props.schema.id,
            config: this.props.config,
            license: this.props.license,
            value: (setting) => this.state.values[setting.key],
            disabled: (setting) => Boolean(setting.enabledBy) && !this.state.values[setting.enabledBy],
            onChange: this.handleChange,
            registerSaveAction: this.registerSaveAction,
            unRegisterSaveAction: this.unRegisterSaveAction,
            setSaveNeeded: this.setSaveNeeded,
            cancelSubmit: this.cancelSubmit,
            showConfirmId: this.state.showConfirmId,
        };
    }

    renderSection(section, ctx) {
        const list = section.settings.map((setting) => buildSetting(setting, ctx));
        if (section.component) {
            return h(section.component, {key: section.key, settingsList: list});
        }
        if (!section.title) {
            return h('div', {key: section.key, className: 'admin-console__section admin-console__section--untitled'}, list);
        }
        return h('div', {key: section.key, className: 'config-section'},
            h('div', {className: 'admin-console__section'},
                h('div', {className: 'section-header'},
                    h('h2', {className: 'section-title'}, section.title),
                    section.subtitle ? h('div', {className: 'section-subtitle'}, section.subtitle) : null,
                ),
                h('div', {className: 'section-body'},
                    section.header ? h('div', {className: 'banner'}, section.header) : null,
                    list,
                    section.footer ? h('div', {className: 'banner'}, section.footer) : null,
                ),
            ),
        );
    }

    render() {
        const {schema} = this.props;
        const ctx = this.settingContext();
        const body = schema.sections ?
            schema.sections.map((section) => this.renderSection(section, ctx)) :
            h('div', {className: 'admin-console__section'}, schema.settings.map((setting) => buildSetting(setting, ctx)));
        return h('div', {className: 'admin-console'},
            h('div', {className: 'admin-console__header'}, h('span', null, schema.name)),
            h('form', {className: 'admin-console__wrapper form-horizontal', onSubmit: this.handleSave},
                h('div', {className: 'admin-console__content'},
                    body,
                    schema.footer ? h('div', {className: 'banner'}, schema.footer) : null,
                ),
            ),
            h('div', {className: 'admin-console-save'},
                h('button', {type: 'button', className: 'btn btn-primary', disabled: !this.state.saveNeeded || this.state.saving, onClick: this.handleSave},
                    this.state.saving ? 'Saving Config...' : 'Save'),
                this.state.serverError ? h('span', {className: 'error-message'}, this.state.serverError) : null,
            ),
        );
    }
}

/** The page for `pluginId`, re-derived whenever the plugin registers components or the config changes. */
function PluginConsolePage({pluginId, patchConfig}) {
    const store = useStore();
    const plugin = useSelector((state) => state.entities.admin.plugins[pluginId]);
    const components = useSelector((state) => state.plugins.adminConsoleCustomComponents[pluginId]);
    const sections = useSelector((state) => state.plugins.adminConsoleCustomSections[pluginId]);
    const config = useSelector((state) => state.entities.admin.config);
    const license = useSelector((state) => state.entities.general.license);
    const schema = React.useMemo(() => pluginSchema(store.getState(), pluginId), [store, plugin, components, sections, pluginId]);
    const save = React.useCallback(async (next) => {
        const error = await patchConfig(next);
        if (!error) {
            store.dispatch({type: ActionTypes.RECEIVED_CONFIG, data: next});
        }
        return error;
    }, [patchConfig, store]);
    if (!schema) {
        return h('div', {className: 'admin-console'}, `No plugin ${pluginId} is installed.`);
    }
    return h('div', {className: 'admin-console__wrapper-page'},
        h(Sidebar, {pluginName: schema.name}),
        h(SchemaSettings, {key: schema.id, schema, config, license, patchConfig: save}),
    );
}

module.exports = {PluginConsolePage};
