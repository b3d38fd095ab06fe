import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_LAYOUT, pluginSettingsSchema, pluginSettingsSections } from './plugin-schema';
import { SETTINGS } from './schema';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

test('every console setting has a key, a display name, help and a default of its type', () => {
  for (const s of pluginSettingsSchema()) {
    expect(s.key).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(s.display_name).not.toBe('');
    expect(s.help_text.length).toBeGreaterThan(20);
    expect(typeof s.default).toBe(s.type === 'bool' ? 'boolean' : s.type === 'number' ? 'number' : 'string');
  }
  // Only environment-only settings are left out of the console.
  expect(pluginSettingsSchema().map((s) => s.key)).toEqual(SETTINGS.filter((s) => !s.envOnly).map((s) => s.key));
});

test('every console setting sits in exactly one section, unchanged; the rest are the custom pages', () => {
  const placed = pluginSettingsSections().flatMap((section) => section.settings);
  const keys = placed.map((s) => s.key.toLowerCase());
  expect(new Set(keys).size).toBe(keys.length); // Mattermost compares keys case-insensitively
  for (const setting of pluginSettingsSchema()) {
    expect(placed.filter((s) => s.key === setting.key)).toEqual([setting]);
  }
  const custom = placed.filter((s) => s.type === 'custom').map((s) => s.key);
  expect(custom).toEqual(['BackupStatus', 'BackupHistory', 'SchedulePreview', 'RetentionPreview', 'Destinations']);
  expect(placed).toHaveLength(pluginSettingsSchema().length + custom.length);
});

test('sections follow the console layout: custom ones fall back to plain rendering', () => {
  const sections = pluginSettingsSections();
  expect(sections.map((s) => s.title)).toEqual(['Status', 'History', 'Schedule and retention', 'Destinations', 'Alerts', 'Bridge']);
  expect(sections.filter((s) => s.custom).map((s) => s.key)).toEqual(['status', 'history', 'destinations']);
  for (const s of sections) {
    expect(s.custom ? s.fallback : true).toBe(true);
    expect(s.subtitle.length).toBeGreaterThan(20);
  }
  expect(CONSOLE_LAYOUT.find((s) => s.key === 'alerts')!.settings).toEqual(['OpsTeam', 'OpsChannel', 'RpoHours', 'HeartbeatUrl']);
});

test('plugin-settings.json (the sections array to paste into plugin.json) is up to date', () => {
  expect(readJson(join(__dirname, 'plugin-settings.json'))).toEqual(pluginSettingsSections());
});

test('plugin.json declares exactly these sections, and no flat settings list beside them', () => {
  // Servers that render both would show every setting twice.
  const manifest = readJson(join(__dirname, '../../../plugin.json'));
  expect(manifest.settings_schema.sections).toEqual(pluginSettingsSections());
  expect(manifest.settings_schema.settings).toBeUndefined();
});
