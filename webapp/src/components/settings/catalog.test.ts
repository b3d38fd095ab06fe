// The catalog the inputs use must say what plugin.json says: same keys, kinds and defaults, and the custom
// sections' titles as the manifest declares them.
import pluginJson from '../../../../plugin.json';

import {BRIDGE_SETTINGS, CUSTOM_SECTIONS, PAGE_SETTINGS} from './catalog';

type Setting = {key: string; type: string; default?: unknown};
type Section = {key: string; title: string; subtitle: string; custom?: boolean; settings: Setting[]};

const sections = (pluginJson as unknown as {settings_schema: {sections: Section[]}}).settings_schema.sections;
const settings = sections.flatMap((s) => s.settings);

test('every value setting of plugin.json, with its kind and default', () => {
    const declared = settings.filter((s) => s.type !== 'custom').map((s) => ({key: s.key, kind: s.type, default: s.default}));
    expect([...BRIDGE_SETTINGS].sort((a, b) => a.key.localeCompare(b.key))).toEqual(declared.sort((a, b) => a.key.localeCompare(b.key)));
});

test('the page settings are plugin.json\'s custom settings', () => {
    expect(settings.filter((s) => s.type === 'custom').map((s) => s.key).sort()).toEqual([...PAGE_SETTINGS].sort());
});

test('custom sections carry the manifest\'s titles', () => {
    expect(sections.filter((s) => s.custom).map(({key, title, subtitle}) => ({key, title, subtitle}))).toEqual(CUSTOM_SECTIONS);
});
