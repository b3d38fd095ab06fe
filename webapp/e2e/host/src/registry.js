// The registry a plugin's initialize(registry, store) receives, with Mattermost's behaviour for what a
// System Console plugin uses, and every call recorded in window.e2eHost for the tests:
// - registerReducer, registerAdminConsoleCustomSetting, registerAdminConsoleCustomSection,
//   registerAdminConsolePlugin, registerTranslations act on the store as Mattermost's do;
// - registerWebSocketEventHandler gets the events of the real Mattermost's websocket (./websocket.js);
// - Mattermost's other methods (channel view, posts, ...) are accepted and recorded, since this host renders
//   only the System Console;
// - a name Mattermost's registry does not have is undefined, as there, and is logged as unknown.
// Like Mattermost's, each method takes positional arguments or one object with the argument names.
const {ActionTypes} = require('./store');

/** Mattermost's registry methods this host accepts without rendering anything for them. */
const ACCEPTED_ONLY = [
    'registerRootComponent', 'registerPopoverUserAttributesComponent', 'registerPopoverUserActionsComponent',
    'registerLeftSidebarHeaderComponent', 'registerBottomTeamSidebarComponent', 'registerPostMessageAttachmentComponent',
    'registerSearchComponents', 'registerLinkTooltipComponent', 'registerActionAfterChannelCreation',
    'registerChannelHeaderButtonAction', 'registerChannelIntroButtonAction', 'registerCallButtonAction',
    'registerPostTypeComponent', 'registerPostCardTypeComponent', 'registerPostWillRenderEmbedComponent',
    'registerMainMenuAction', 'registerChannelHeaderMenuAction', 'registerFileDropdownMenuAction',
    'registerUserGuideDropdownMenuAction', 'registerPostActionComponent', 'registerPostEditorActionComponent',
    'registerCodeBlockActionComponent', 'registerNewMessagesSeparatorActionComponent', 'registerPostDropdownMenuAction',
    'registerPostDropdownSubMenuAction', 'registerPostDropdownMenuComponent', 'registerFileUploadMethod',
    'registerFilesWillUploadHook', 'unregisterComponent', 'unregisterPostTypeComponent', 'registerReconnectHandler', 'unregisterReconnectHandler',
    'registerMessageWillBePostedHook', 'registerSlashCommandWillBePostedHook', 'registerMessageWillFormatHook',
    'registerFilePreviewComponent', 'registerRightHandSidebarComponent', 'registerNeedsTeamRoute', 'registerCustomRoute',
    'registerProduct', 'registerMessageWillBeUpdatedHook', 'registerSidebarChannelLinkLabelComponent',
    'registerChannelToastComponent', 'registerGlobalComponent', 'registerAppBarComponent', 'registerSiteStatisticsHandler',
    'registerDesktopNotificationHook', 'registerUserSettings',
];

let nextId = 1;

/** Positional arguments, or a single object carrying the named ones (Mattermost's reArg). */
function named(names, args) {
    const [first] = args;
    const isNamedObject = args.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first) &&
        !first.$$typeof && Object.keys(first).some((key) => names.includes(key));
    if (isNamedObject) {
        return first;
    }
    return Object.fromEntries(names.map((name, i) => [name, args[i]]));
}

function createRegistry(pluginId, store, host) {
    const record = (method, detail) => host.registryCalls.push({pluginId, method, ...detail});
    const known = {
        id: pluginId,
        supports: {globalAppBar: true, globalRhs: true},
        registerReducer: (...args) => {
            const {reducer} = named(['reducer'], args);
            record('registerReducer', {});
            store.registerPluginReducer(pluginId, reducer);
        },
        registerAdminConsoleCustomSetting: (...args) => {
            const {key, component, options} = named(['key', 'component', 'options'], args);
            const showTitle = Boolean(options?.showTitle);
            record('registerAdminConsoleCustomSetting', {key, showTitle});
            store.dispatch({type: ActionTypes.RECEIVED_ADMIN_CONSOLE_CUSTOM_COMPONENT, data: {pluginId, key, component, options: {showTitle}}});
        },
        registerAdminConsoleCustomSection: (...args) => {
            const {key, component} = named(['key', 'component'], args);
            record('registerAdminConsoleCustomSection', {key});
            store.dispatch({type: ActionTypes.RECEIVED_ADMIN_CONSOLE_CUSTOM_SECTION, data: {pluginId, key, component}});
        },
        registerAdminConsolePlugin: (...args) => {
            const {func} = named(['func'], args);
            record('registerAdminConsolePlugin', {});
            store.dispatch({type: ActionTypes.RECEIVED_ADMIN_CONSOLE_REDUCER, data: {pluginId, value: func}});
        },
        unregisterAdminConsolePlugin: () => {
            record('unregisterAdminConsolePlugin', {});
            store.dispatch({type: ActionTypes.RECEIVED_ADMIN_CONSOLE_REDUCER, data: {pluginId, value: undefined}});
        },
        registerWebSocketEventHandler: (...args) => {
            const {event, handler} = named(['event', 'handler'], args);
            record('registerWebSocketEventHandler', {key: event});
            host.websocketHandlers.set(event, handler);
        },
        unregisterWebSocketEventHandler: (...args) => {
            const {event} = named(['event'], args);
            record('unregisterWebSocketEventHandler', {key: event});
            host.websocketHandlers.delete(event);
        },
        registerTranslations: (...args) => {
            const {getTranslationsForLocale} = named(['getTranslationsForLocale'], args);
            record('registerTranslations', {});
            store.dispatch({type: ActionTypes.RECEIVED_PLUGIN_TRANSLATIONS_SOURCE, data: {pluginId, value: getTranslationsForLocale}});
        },
    };
    for (const method of ACCEPTED_ONLY) {
        known[method] = () => {
            record(method, {acceptedOnly: true});
            return `e2e-host-${nextId++}`;
        };
    }
    return new Proxy(known, {
        get(target, property) {
            if (property in target) {
                return target[property];
            }
            if (typeof property === 'string' && property !== 'then' && property !== 'toJSON') {
                host.unknownRegistryCalls.push({pluginId, property});
                console.warn(`[e2e host] the plugin ${pluginId} read registry.${property}, which Mattermost's registry does not have`);
            }
            return undefined;
        },
    });
}

module.exports = {createRegistry};
