// Boots the host page the way Mattermost's webapp boots plugins (plugins/index.ts): the globals first,
// then window.registerPlugin, then each plugin's bundle as a <script>; once it has loaded, the plugin that
// registered itself is initialized with its own registry and the store; then the System Console page renders.
// window.e2eHost holds what the tests read: registry calls, unknown registry names, load errors, readiness,
// and the websocket events received (./websocket.js).
require('./globals');

const React = require('react');
const {createRoot} = require('react-dom/client');
const {Provider} = require('react-redux');

const {PluginConsolePage} = require('./console');
const {createRegistry} = require('./registry');
const {createHostStore} = require('./store');
const {connectWebSocket} = require('./websocket');

const pageState = JSON.parse(document.getElementById('host-state').textContent);
const host = {registryCalls: [], unknownRegistryCalls: [], errors: [], ready: false, websocketHandlers: new Map(), websocketEvents: []};
window.e2eHost = host;

const store = createHostStore(pageState.entities);
host.store = store;

window.plugins = {};
window.registerPlugin = (id, plugin) => {
    window.plugins[id] = plugin;
};

function loadScript(src) {
    return new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = src;
        script.onload = resolve;
        script.onerror = () => reject(new Error(`could not load ${src}`));
        document.body.appendChild(script);
    });
}

async function loadPlugin(manifest, bundleUrl) {
    await loadScript(bundleUrl);
    const plugin = window.plugins[manifest.id];
    if (!plugin) {
        throw new Error(`${bundleUrl} loaded but did not call registerPlugin('${manifest.id}', ...)`);
    }
    await plugin.initialize(createRegistry(manifest.id, store, host), store);
}

/** Mattermost's Save: the admin config goes to the server; here the plugin's section goes to config.json. */
async function patchConfig(config) {
    const settings = config.PluginSettings?.Plugins?.[pageState.manifest.id] ?? {};
    const response = await fetch('/e2e-host/config', {method: 'PUT', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(settings)});
    return response.ok ? null : `saving the config failed: HTTP ${response.status}`;
}

async function boot() {
    try {
        await loadPlugin(pageState.manifest, pageState.bundleUrl);
    } catch (err) {
        host.errors.push(String(err?.stack ?? err));
        console.error(err);
    }
    connectWebSocket(host);
    createRoot(document.getElementById('root')).render(
        React.createElement(Provider, {store},
            React.createElement(PluginConsolePage, {pluginId: pageState.manifest.id, patchConfig})),
    );
    host.ready = true;
}

window.addEventListener('error', (event) => host.errors.push(String(event.error?.stack ?? event.message)));
window.addEventListener('unhandledrejection', (event) => host.errors.push(String(event.reason?.stack ?? event.reason)));
boot();
