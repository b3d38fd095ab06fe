import BridgePathSetting from './components/bridge_path_setting';
import type {PluginRegistry} from './types/mattermost';

type PluginLike = {initialize(registry: PluginRegistry, store: unknown): void};

const registerPlugin = jest.fn();
let plugin: PluginLike;

// index.tsx registers itself on import, the way Mattermost loads main.js.
beforeAll(async () => {
    window.registerPlugin = registerPlugin;
    await import('./index');
    plugin = registerPlugin.mock.calls[0]?.[1];
});

test('registers once, as backup-dr', () => {
    expect(registerPlugin).toHaveBeenCalledTimes(1);
    expect(registerPlugin.mock.calls[0][0]).toBe('backup-dr');
});

test('adds the custom BridgePath setting', () => {
    const registerAdminConsoleCustomSetting = jest.fn();
    plugin.initialize({registerAdminConsoleCustomSetting}, {});
    expect(registerAdminConsoleCustomSetting).toHaveBeenCalledWith('BridgePath', BridgePathSetting, {showTitle: true});
});

test('does nothing on servers without custom settings', () => {
    expect(() => plugin.initialize({}, {})).not.toThrow();
});
