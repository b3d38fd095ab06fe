import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pluginSettingsSchema } from './plugin-schema';
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

test('plugin-settings.json (the array to paste into plugin.json) is up to date', () => {
  expect(readJson(join(__dirname, 'plugin-settings.json'))).toEqual(pluginSettingsSchema());
});

// Fails until plugin.json's settings_schema.settings is replaced with plugin-settings.json's array.
test('plugin.json declares exactly these settings', () => {
  const manifest = readJson(join(__dirname, '../../../plugin.json'));
  expect(manifest.settings_schema.settings).toEqual(pluginSettingsSchema());
});
