/**
 * The System Console side of ./schema.ts: the entries of plugin.json's settings_schema.settings.
 * plugin.json is the lead's file; ./plugin-settings.json holds this array to paste into it, and the
 * tests check that both agree with SETTINGS.
 */
import { SETTINGS, type ConsoleSetting } from './schema';

/** Console setting objects in SETTINGS order; environment-only settings have none. */
export function pluginSettingsSchema(): ConsoleSetting[] {
  return SETTINGS.filter((s) => s.console).map((s) => {
    const dflt = Array.isArray(s.default) ? s.default.join(',') : s.default;
    return { key: s.key, display_name: s.console!.display_name, type: s.console!.type, help_text: s.console!.help_text, default: dflt as string | number | boolean, ...(s.secret ? { secret: true } : {}), ...(s.console!.options ? { options: s.console!.options } : {}) };
  });
}
