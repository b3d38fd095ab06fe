import {bridgePathFromConfig, normalizeBridgePath, savedSetting} from './bridge_path';
import {csrfToken} from './csrf';

test.each([
    [undefined, '/backup-dr/'],
    ['', '/backup-dr/'],
    ['  ', '/backup-dr/'],
    ['mmbackup', '/mmbackup/'],
    ['/mmbackup', '/mmbackup/'],
    ['/ops/backup/', '/ops/backup/'],
])('normalizes %p to %p', (input, expected) => {
    expect(normalizeBridgePath(input)).toBe(expected);
});

test('reads the saved setting in either key case', () => {
    expect(bridgePathFromConfig({PluginSettings: {Plugins: {'backup-dr': {bridgepath: '/a/'}}}})).toBe('/a/');
    expect(bridgePathFromConfig({PluginSettings: {Plugins: {'backup-dr': {BridgePath: '/b/'}}}})).toBe('/b/');
    expect(bridgePathFromConfig(undefined)).toBe('/backup-dr/');
    expect(savedSetting({PluginSettings: {Plugins: {'backup-dr': {keepdaily: 7}}}}, 'KeepDaily')).toBe(7);
});

test('reads the MMCSRF cookie among others', () => {
    expect(csrfToken('a=1; MMCSRF=abc%3D; MMUSERID=u')).toBe('abc=');
    expect(csrfToken('a=1')).toBe('');
});
