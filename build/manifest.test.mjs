// Table tests for Mattermost's manifest rules as build/manifest.mjs applies them.
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';

import {manifestTsProblems, readPluginJson, renderManifestTs, validateManifest} from './manifest.mjs';

const server = {executables: {'linux-amd64': 'server/plugin/dist/plugin-linux-amd64', 'linux-arm64': 'server/plugin/dist/plugin-linux-arm64'}};
const good = {id: 'backup-dr', version: '0.1.0', server, webapp: {bundle_path: 'webapp/dist/main.js'}};
const exes = (e) => ({...good, server: {executables: e}});
const setting = (s) => ({...good, settings_schema: {settings: s}});

test('the repository plugin.json is valid', () => {
    assert.deepEqual(validateManifest(readPluginJson()), []);
});

const cases = [
    ['minimal', good, null],
    ['prerelease and build metadata', {...good, version: '1.2.3-rc.1+abc'}, null],
    ['id too short', {...good, id: 'ab'}, /id "ab"/],
    ['id with a slash', {...good, id: 'backup/dr'}, /id "backup\/dr"/],
    ['id of 191 characters', {...good, id: 'a'.repeat(191)}, /id/],
    ['version with v', {...good, version: 'v0.1.0'}, /strict semantic version/],
    ['version with two parts', {...good, version: '0.1'}, /strict semantic version/],
    ['version with leading zero', {...good, version: '01.0.0'}, /strict semantic version/],
    ['bad min_server_version', {...good, min_server_version: '9.5'}, /min_server_version/],
    ['no server block', {...good, server: undefined}, /"server" block/],
    ['one executable for all platforms', {...good, server: {executable: 'x'}}, /server.executable /],
    ['executables not a map', {...good, server: {executables: ['x']}}, /must map platforms/],
    ['arm64 missing', exes({'linux-amd64': 'a'}), /lacks "linux-arm64"/],
    ['unknown platform', exes({...server.executables, 'plan9-386': 'p'}), /"plan9-386"/],
    ['executable outside the plugin', exes({...server.executables, 'darwin-arm64': '../x'}), /relative path inside/],
    ['absolute executable path', exes({...server.executables, 'linux-amd64': '/usr/bin/x'}), /relative path inside/],
    ['one binary for two platforms', exes({'linux-amd64': 'bin', 'linux-arm64': 'bin'}), /its own binary/],
    ['darwin and windows too', exes({...server.executables, 'darwin-arm64': 'd', 'windows-amd64': 'w.exe'}), null],
    ['no webapp bundle', {...good, webapp: {}}, /bundle_path/],
    ['bundle outside the plugin', {...good, webapp: {bundle_path: '../main.js'}}, /relative path inside/],
    ['bad homepage_url', {...good, homepage_url: 'ftp://x'}, /homepage_url/],
    ['unknown setting type', setting([{key: 'A', type: 'color'}]), /type "color"/],
    ['options on a text setting', setting([{key: 'A', type: 'text', options: []}]), /only allowed/],
    ['dropdown without options', setting([{key: 'A', type: 'dropdown'}]), /non-empty "options"/],
    ['radio with options', setting([{key: 'A', type: 'radio', options: [{display_name: 'x', value: 'x'}]}]), null],
    ['duplicate key by case', setting([{key: 'Path', type: 'text'}, {key: 'path', type: 'text'}]), /used twice/],
    ['missing key', setting([{type: 'text'}]), /"key" is missing/],
    ['duplicate across sections', {...good, settings_schema: {sections: [
        {key: 'S1', settings: [{key: 'A', type: 'bool'}]}, {key: 'S2', settings: [{key: 'A', type: 'bool'}]},
    ]}}, /used twice/],
    ['not an object', [], /JSON object/],
];

for (const [name, manifest, expected] of cases) {
    test(`validateManifest: ${name}`, () => {
        const problems = validateManifest(manifest);
        if (expected === null) {
            assert.deepEqual(problems, []);
        } else {
            assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} in ${JSON.stringify(problems)}`);
        }
    });
}

test('manifest.ts check: agrees, stale, missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'backup-dr-manifest-'));
    try {
        const path = join(dir, 'manifest.ts');
        await writeFile(path, renderManifestTs(good));
        assert.deepEqual(manifestTsProblems(good, path), []);
        await writeFile(path, renderManifestTs({...good, version: '0.0.9'}));
        assert.match(manifestTsProblems(good, path)[0], /version is "0.0.9" there but "0.1.0" in plugin.json/);
        assert.match(manifestTsProblems(good, join(dir, 'none.ts'))[0], /missing: run `node build\/manifest.mjs apply`/);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
