// Table tests for Mattermost's manifest rules as build/manifest.mjs applies them.
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';

import {manifestTsProblems, readPluginJson, renderManifestTs, validateManifest} from './manifest.mjs';

const good = {id: 'backup-dr', version: '0.1.0', webapp: {bundle_path: 'webapp/dist/main.js'}};
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
    ['server block', {...good, server: {executable: 'x'}}, /"server" block/],
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
