#!/usr/bin/env node
// plugin.json is the single source of the plugin id and version (as in mattermost-plugin-starter-template).
//   node build/manifest.mjs apply   writes webapp/src/manifest.ts from plugin.json
//   node build/manifest.mjs check   validates plugin.json the way Mattermost does, and that manifest.ts agrees
// Plain Node, no dependencies, so it runs before `npm install`.
import {readFileSync, writeFileSync, renameSync} from 'node:fs';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const pluginJsonPath = join(root, 'plugin.json');
export const manifestTsPath = join(root, 'webapp', 'src', 'manifest.ts');

// Mattermost's model/manifest.go: IsValidPluginId and the setting types PluginSetting accepts.
const ID_PATTERN = /^[a-zA-Z0-9-_.]+$/;
const ID_MIN = 3;
const ID_MAX = 190;
const SETTING_TYPES = ['text', 'bool', 'dropdown', 'radio', 'generated', 'username', 'longtext', 'number', 'custom'];
const TYPES_WITH_OPTIONS = ['dropdown', 'radio'];

// semver.org's strict pattern: what blang/semver (used by the server) accepts, no "v" and no leading zeros.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Reads and parses plugin.json; throws an Error whose message names the file and the JSON problem. */
export function readPluginJson(path = pluginJsonPath) {
    try {
        return JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
        throw new Error(`cannot read ${path}: ${err.message}`);
    }
}

function isHttpUrl(value) {
    try {
        return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
        return false;
    }
}

function settingProblems(settings, where) {
    const problems = [];
    const seen = new Set();
    for (const [i, s] of (settings ?? []).entries()) {
        const name = `${where}[${i}]${s?.key ? ` (${s.key})` : ''}`;
        if (typeof s?.key !== 'string' || !s.key) {
            problems.push(`${name}: "key" is missing`);
            continue;
        }

        // Mattermost stores plugin settings under lower-cased keys, so keys differing only in case collide.
        const lower = s.key.toLowerCase();
        if (seen.has(lower)) {
            problems.push(`${name}: key "${s.key}" is used twice (keys are compared case-insensitively)`);
        }
        seen.add(lower);
        if (!SETTING_TYPES.includes(s.type)) {
            problems.push(`${name}: type "${s.type}" is not one of ${SETTING_TYPES.join(', ')}`);
        }
        if (s.options !== undefined && !TYPES_WITH_OPTIONS.includes(s.type)) {
            problems.push(`${name}: "options" is only allowed for ${TYPES_WITH_OPTIONS.join(' and ')} settings`);
        }
        if (TYPES_WITH_OPTIONS.includes(s.type) && !(Array.isArray(s.options) && s.options.length > 0)) {
            problems.push(`${name}: a ${s.type} setting needs a non-empty "options" list`);
        }
    }
    return {problems, keys: seen};
}

function schemaProblems(schema) {
    if (schema === undefined) {
        return [];
    }
    const all = [...(schema.settings ?? []), ...(schema.sections ?? []).flatMap((sec) => sec.settings ?? [])];
    return settingProblems(all, 'settings_schema.settings').problems;
}

// Mattermost picks server.executables["<GOOS>-<GOARCH>"] for the host it runs on (Manifest.GetExecutableForRuntime).
const PLATFORMS = ['linux-amd64', 'linux-arm64', 'darwin-amd64', 'darwin-arm64', 'windows-amd64'];
// Mattermost's supported server platforms: a bundle without one of these would not start there.
export const REQUIRED_PLATFORMS = ['linux-amd64', 'linux-arm64'];

function isInsidePlugin(path) {
    return typeof path === 'string' && path !== '' && !path.startsWith('/') && !path.split(/[\\/]/).includes('..');
}

/** Problems with the "server" block: the Go executables Mattermost starts, one per platform. */
function serverProblems(server) {
    if (typeof server !== 'object' || server === null || Array.isArray(server)) {
        return ['a "server" block with "executables" is required: the plugin has a Go server part (server/plugin)'];
    }
    if (server.executable !== undefined) {
        return ['server.executable (one binary for every platform) cannot work: list one per platform in server.executables'];
    }
    const exes = server.executables;
    if (typeof exes !== 'object' || exes === null || Array.isArray(exes)) {
        return ['server.executables must map platforms like "linux-amd64" to binary paths'];
    }
    const problems = [];
    for (const [platform, path] of Object.entries(exes)) {
        if (!PLATFORMS.includes(platform)) {
            problems.push(`server.executables: platform "${platform}" is not one of ${PLATFORMS.join(', ')}`);
        }
        if (!isInsidePlugin(path)) {
            problems.push(`server.executables["${platform}"] ${JSON.stringify(path)} must be a relative path inside the plugin`);
        }
    }
    for (const platform of REQUIRED_PLATFORMS) {
        if (!(platform in exes)) {
            problems.push(`server.executables lacks "${platform}": Mattermost on that platform could not start the plugin`);
        }
    }
    const paths = Object.values(exes);
    if (new Set(paths).size !== paths.length) {
        problems.push('server.executables names one path for two platforms: each needs its own binary');
    }
    return problems;
}

/** Every problem Mattermost (or this plugin's packaging) would have with the manifest; empty when valid. */
export function validateManifest(m) {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
        return ['plugin.json must be a JSON object'];
    }
    const problems = [];
    if (typeof m.id !== 'string' || m.id.length < ID_MIN || m.id.length > ID_MAX || !ID_PATTERN.test(m.id)) {
        problems.push(`id ${JSON.stringify(m.id)} must be ${ID_MIN}-${ID_MAX} characters of letters, digits, "-", "_" and "."`);
    }
    if (typeof m.version !== 'string' || !SEMVER.test(m.version)) {
        problems.push(`version ${JSON.stringify(m.version)} is not a strict semantic version like 1.2.3`);
    }
    if (m.min_server_version !== undefined && !SEMVER.test(String(m.min_server_version))) {
        problems.push(`min_server_version ${JSON.stringify(m.min_server_version)} is not a semantic version like 9.5.0`);
    }
    for (const field of ['homepage_url', 'support_url', 'release_notes_url']) {
        if (m[field] !== undefined && !isHttpUrl(m[field])) {
            problems.push(`${field} ${JSON.stringify(m[field])} is not an http(s) URL`);
        }
    }

    problems.push(...serverProblems(m.server));
    const bundlePath = m.webapp?.bundle_path;
    if (typeof bundlePath !== 'string' || !bundlePath) {
        problems.push('webapp.bundle_path is missing');
    } else if (!isInsidePlugin(bundlePath)) {
        // Mattermost resolves it inside the unpacked plugin directory, and bundle.mjs packs it from there.
        problems.push(`webapp.bundle_path ${JSON.stringify(bundlePath)} must be a relative path inside the plugin`);
    }
    return [...problems, ...schemaProblems(m.settings_schema)];
}

/** The exact text of webapp/src/manifest.ts for a manifest; `check` compares against this byte for byte. */
export function renderManifestTs(m) {
    return [
        '// Generated from plugin.json by `node build/manifest.mjs apply`. Do not edit: change plugin.json and re-run.',
        'export const manifest = {',
        `    id: '${m.id}',`, // validated first: an id or a semver cannot contain a quote
        `    version: '${m.version}',`,
        '} as const;',
        '',
        'export default manifest;',
        '',
    ].join('\n');
}

function readOrNull(path) {
    try {
        return readFileSync(path, 'utf8');
    } catch {
        return null;
    }
}

/** Problems with the generated file: missing, or saying a different id/version than plugin.json. */
export function manifestTsProblems(m, path = manifestTsPath) {
    const text = readOrNull(path);
    const name = relative(root, path);
    const fix = 'run `node build/manifest.mjs apply`';
    if (text === null) {
        return [`${name} is missing: ${fix}`];
    }
    if (text === renderManifestTs(m)) {
        return [];
    }
    const found = (field) => text.match(new RegExp(`${field}:\\s*['"]([^'"]*)['"]`))?.[1];
    const diffs = ['id', 'version'].filter((f) => found(f) !== m[f]).
        map((f) => `${f} is ${JSON.stringify(found(f) ?? null)} there but ${JSON.stringify(m[f])} in plugin.json`);
    return [`${name} disagrees with plugin.json${diffs.length ? ` (${diffs.join('; ')})` : ''}: ${fix}`];
}

function apply() {
    const m = readPluginJson();
    const problems = validateManifest(m);
    if (problems.length) {
        return problems;
    }

    // Temp file then rename, so a crash never leaves a half-written manifest.ts for the build to pick up.
    const tmp = `${manifestTsPath}.${process.pid}.tmp`;
    writeFileSync(tmp, renderManifestTs(m));
    renameSync(tmp, manifestTsPath);
    console.log(`wrote ${relative(root, manifestTsPath)} (${m.id} ${m.version})`);
    return [];
}

function check() {
    const m = readPluginJson();
    const problems = validateManifest(m);
    if (problems.length === 0) {
        problems.push(...manifestTsProblems(m));
    }
    if (!problems.length) {
        console.log(`plugin.json is valid and webapp/src/manifest.ts agrees (${m.id} ${m.version})`);
    }
    return problems;
}

function main(argv) {
    const commands = {apply, check};
    const command = commands[argv[0]];
    if (!command || argv.length !== 1) {
        console.error('usage: node build/manifest.mjs apply|check');
        return 2;
    }
    try {
        const problems = command();
        for (const p of problems) {
            console.error(`manifest ${argv[0]}: ${p}`);
        }
        return problems.length ? 1 : 0;
    } catch (err) {
        console.error(`manifest ${argv[0]}: ${err.message}`);
        return 1;
    }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    process.exitCode = main(process.argv.slice(2));
}
