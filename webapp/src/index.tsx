// Only registers; the components live in components/. The id comes from plugin.json via manifest.ts.
import BridgePathSetting from './components/bridge_path_setting';
import {manifest} from './manifest';
import type {PluginRegistry} from './types/mattermost';

export default class Plugin {
    initialize(registry: PluginRegistry, _store: unknown): void {
        // Servers without custom settings still show BridgePath as the plain text input from plugin.json.
        registry.registerAdminConsoleCustomSetting?.('BridgePath', BridgePathSetting, {showTitle: true});
    }
}

window.registerPlugin(manifest.id, new Plugin());
