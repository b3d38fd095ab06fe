/**
 * MM_* environment overrides, applied the way Mattermost's config/environment.go applies them, so that the
 * bridge sees the config the server really runs with. Mattermost never writes these back to config.json,
 * so the backup must record them: every MM_* variable is returned, the ones that set a setting and the ones
 * that did not (MM_CONFIG, MM_SERVICEENVIRONMENT, a typo), because restoring a host needs its environment.
 *
 * The rule (Mattermost's applyEnvKey): strip MM_, upper-case, cut at the FIRST '_', match the head
 * case-insensitively against the keys of the current section, descend while the match is a section, and set
 * the first leaf reached (text after a leaf is ignored, as Go ignores it). The value is converted to the
 * leaf's type; a value that does not convert (a bool that is not true/false/1/0/t/f) is not applied.
 */
import { registerSecret } from '../common/redact';
import { looksLikeDsn, parseDsn } from './dsn';

/** Result of applyEnvOverrides(). Values are secret-bearing: show names, never values. */
export interface EnvOverrides {
  /** The effective config: a deep copy of the input with the overrides applied. */
  config: Record<string, any>;
  /** Variables that set a setting, by name as found in the environment. */
  applied: Record<string, string>;
  /** For each applied variable, the setting it set, e.g. MM_SQLSETTINGS_DATASOURCE → "SqlSettings.DataSource". */
  settings: Record<string, string>;
  /** MM_* variables that set nothing: no such setting, or a value of the wrong type for it. */
  unmatched: Record<string, string>;
}

/**
 * Settings mmbackup reads, with a value of their type. Mattermost's config struct always has them, so an
 * override applies even when a hand-written or older config.json leaves the key (or the section) out.
 */
const KNOWN_SETTINGS: Record<string, any> = {
  SqlSettings: { DriverName: '', DataSource: '', DataSourceReplicas: [], DataSourceSearchReplicas: [] },
  FileSettings: {
    DriverName: '', Directory: '', AmazonS3Bucket: '', AmazonS3PathPrefix: '', AmazonS3Region: '', AmazonS3Endpoint: '',
    AmazonS3SSL: true, AmazonS3AccessKeyId: '', AmazonS3SecretAccessKey: '',
  },
  PluginSettings: { Directory: '', ClientDirectory: '', Plugins: {}, PluginStates: {} },
};
/** Go maps in the config: JSON cannot tell them from sections, and Mattermost sets them whole from JSON text. */
const GO_MAPS = new Set(['PluginSettings.Plugins', 'PluginSettings.PluginStates']);
/** Setting names whose values are secrets (Mattermost's own config sanitizer covers these). */
const SECRET_NAME = /password|secret|salt|token|encryptkey|privatekey|apikey|datasource/i;

function isSection(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key of `node` equal to `upper` ignoring case; none when absent or ambiguous (as Go's FieldByNameFunc). */
function findKey(node: unknown, upper: string): string | undefined {
  if (!isSection(node)) return undefined;
  const hits = Object.keys(node).filter((k) => k.toUpperCase() === upper);
  return hits.length === 1 ? hits[0] : undefined;
}

interface Leaf {
  path: string[];
  /** The current value (or a value of the setting's type) that the override's text is converted to. */
  sample: unknown;
}

/** Walks `key` (without MM_) down the config, falling back to KNOWN_SETTINGS for keys the config lacks. */
function resolve(config: Record<string, any>, key: string): Leaf | undefined {
  let node: unknown = config;
  let known: unknown = KNOWN_SETTINGS;
  let rest: string | undefined = key;
  const path: string[] = [];
  while (rest !== undefined) {
    const cut = rest.indexOf('_');
    const head = cut < 0 ? rest : rest.slice(0, cut);
    rest = cut < 0 ? undefined : rest.slice(cut + 1);
    const name = findKey(node, head) ?? findKey(known, head);
    if (!name) return undefined;
    path.push(name);
    node = isSection(node) ? node[name] : undefined;
    known = isSection(known) ? known[name] : undefined;
    const sample = node !== undefined ? node : known;
    if (!isSection(sample) || GO_MAPS.has(path.join('.'))) return { path, sample };
  }
  return undefined; // the variable ends at a section: Mattermost ignores it
}

/** Go's strconv.ParseBool. */
function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** Converts `text` to the type of `sample`; undefined when it does not convert (Mattermost then skips it). */
function convert(sample: unknown, text: string): unknown {
  if (typeof sample === 'boolean') return parseGoBool(text);
  if (typeof sample === 'number') {
    const pattern = Number.isInteger(sample) ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
    return pattern.test(text) ? Number(text) : undefined;
  }
  // Mattermost splits lists on single spaces (strings.Split), so "a  b" has an empty middle entry, as there.
  if (Array.isArray(sample)) return text.split(' ');
  if (isSection(sample)) {
    try {
      const parsed: unknown = JSON.parse(text);
      return isSection(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  // Strings, and null: a setting left null in the file is unset, and its text is the best we know.
  return text;
}

function setPath(config: Record<string, any>, path: string[], value: unknown): void {
  let node = config;
  for (const key of path.slice(0, -1)) {
    if (!isSection(node[key])) node[key] = {};
    node = node[key];
  }
  node[path[path.length - 1]] = value;
}

/** Registers what a variable's value reveals: DSN passwords, and the whole value of a secret setting. */
function registerEnvSecret(name: string, value: string): void {
  for (const part of value.split(' ')) {
    if (!looksLikeDsn(part)) continue;
    try {
      parseDsn(part);
    } catch {
      // Not parseable here; loadInstallation reports the DataSource it uses with its own error.
    }
  }
  if (SECRET_NAME.test(name)) registerSecret(value);
}

/**
 * Applies every MM_* variable of `env` to a copy of `config`, in name order (Mattermost's order is a Go map's,
 * i.e. random, so only conflicting variables could differ). Registers secret values for redaction.
 */
export function applyEnvOverrides(config: Record<string, any>, env: NodeJS.ProcessEnv): EnvOverrides {
  const result: EnvOverrides = { config: structuredClone(config), applied: {}, settings: {}, unmatched: {} };
  for (const name of Object.keys(env).sort()) {
    const text = env[name];
    const upper = name.toUpperCase();
    if (text === undefined || !upper.startsWith('MM_')) continue;
    registerEnvSecret(upper, text);
    const leaf = resolve(result.config, upper.slice(3));
    const value = leaf ? convert(leaf.sample, text) : undefined;
    if (!leaf || value === undefined) {
      result.unmatched[name] = text;
      continue;
    }
    setPath(result.config, leaf.path, value);
    result.applied[name] = text;
    result.settings[name] = leaf.path.join('.');
  }
  return result;
}
