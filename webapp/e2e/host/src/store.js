// A Redux store shaped like the part of Mattermost's that a System Console plugin sees:
//   entities.general.config   client config (string values), license, server version
//   entities.admin.config     the admin config, PluginSettings.Plugins[<id>] with lower-case keys as Mattermost saves them
//   entities.admin.plugins    manifests by id; pluginStatuses
//   entities.users            currentUserId and profiles (a system_admin)
//   plugins.adminConsoleCustomComponents / adminConsoleCustomSections  what the registry registered
//   'plugins-<id>'            each plugin's own reducer (registry.registerReducer)
// Thunks are accepted, as Mattermost's store accepts them.
const Redux = require('redux');

const ActionTypes = {
    RECEIVED_CONFIG: 'RECEIVED_CONFIG',
    RECEIVED_ADMIN_CONSOLE_CUSTOM_COMPONENT: 'RECEIVED_ADMIN_CONSOLE_CUSTOM_COMPONENT',
    RECEIVED_ADMIN_CONSOLE_CUSTOM_SECTION: 'RECEIVED_ADMIN_CONSOLE_CUSTOM_SECTION',
    RECEIVED_ADMIN_CONSOLE_REDUCER: 'RECEIVED_ADMIN_CONSOLE_REDUCER',
    RECEIVED_PLUGIN_TRANSLATIONS_SOURCE: 'RECEIVED_PLUGIN_TRANSLATIONS_SOURCE',
};

function entitiesReducer(initial) {
    return (state = initial, action) => {
        if (action.type === ActionTypes.RECEIVED_CONFIG) {
            return {...state, admin: {...state.admin, config: action.data}};
        }
        return state;
    };
}

/** Registered components keyed as Mattermost keys them: plugin id, then the lower-cased setting/section key. */
function byPluginAndKey(type) {
    return (state = {}, action) => {
        if (action.type !== type) {
            return state;
        }
        const {pluginId, key} = action.data;
        return {...state, [pluginId]: {...state[pluginId], [key.toLowerCase()]: action.data}};
    };
}

function byPlugin(type) {
    return (state = {}, action) => (action.type === type ? {...state, [action.data.pluginId]: action.data.value} : state);
}

const thunk = ({dispatch, getState}) => (next) => (action) => (typeof action === 'function' ? action(dispatch, getState) : next(action));

/** The store, plus registerPluginReducer (Mattermost's reducer registry: state['plugins-<id>']). */
function createHostStore(initialEntities) {
    const pluginReducers = {};
    const rootReducer = () => Redux.combineReducers({
        entities: entitiesReducer(initialEntities),
        views: (state = {}) => state,
        plugins: Redux.combineReducers({
            adminConsoleCustomComponents: byPluginAndKey(ActionTypes.RECEIVED_ADMIN_CONSOLE_CUSTOM_COMPONENT),
            adminConsoleCustomSections: byPluginAndKey(ActionTypes.RECEIVED_ADMIN_CONSOLE_CUSTOM_SECTION),
            adminConsoleReducers: byPlugin(ActionTypes.RECEIVED_ADMIN_CONSOLE_REDUCER),
            translationSources: byPlugin(ActionTypes.RECEIVED_PLUGIN_TRANSLATIONS_SOURCE),
        }),
        ...pluginReducers,
    });
    const store = Redux.createStore(rootReducer(), Redux.applyMiddleware(thunk));
    store.registerPluginReducer = (pluginId, reducer) => {
        pluginReducers['plugins-' + pluginId] = reducer;
        store.replaceReducer(rootReducer());
    };
    return store;
}

module.exports = {ActionTypes, createHostStore};
