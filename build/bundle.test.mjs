// Packs the real plugin (after `npm run build -w webapp`) and checks what Mattermost will unpack.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdir, mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import vm from 'node:vm';

import {bundle} from './bundle.mjs';
import {readPluginJson, validateManifest} from './manifest.mjs';

const plugin = readPluginJson();
// The host's libraries, as Mattermost puts them on window.
const require = createRequire(new URL('../webapp/package.json', import.meta.url));
let work;
let tarball;
let unpacked;

before(async () => {
    work = await mkdtemp(join(tmpdir(), 'backup-dr-bundle-test-'));
    tarball = (await bundle({outDir: join(work, 'out')})).path;
    unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked], {encoding: 'utf8'});
    assert.equal(tar.status, 0, tar.stderr);
});

after(() => rm(work, {recursive: true, force: true}));

test('tarball is named <id>-<version>.tar.gz and lists <id>/ entries in a fixed order', () => {
    assert.ok(tarball.endsWith(`${plugin.id}-${plugin.version}.tar.gz`));
    const list = spawnSync('tar', ['-tzf', tarball], {encoding: 'utf8'}).stdout.trim().split('\n');
    assert.ok(list.every((e) => e === `${plugin.id}/` || e.startsWith(`${plugin.id}/`)), list.join(', '));
    assert.deepEqual(list, [...list].sort());
    assert.ok(list.includes(`${plugin.id}/plugin.json`));
});

test('the packed plugin.json is valid and is the repository one', async () => {
    const packed = JSON.parse(await readFile(join(unpacked, plugin.id, 'plugin.json'), 'utf8'));
    assert.deepEqual(validateManifest(packed), []);
    assert.deepEqual(packed, plugin);
});

test('main.js is present, not empty, registers the plugin and does not bundle React', async () => {
    const path = join(unpacked, plugin.id, plugin.webapp.bundle_path);
    assert.ok((await stat(path)).size > 0, `${path} is empty`);
    const js = await readFile(path, 'utf8');
    // Run it the way Mattermost loads it: a script that finds the host's libraries on window and calls
    // window.registerPlugin. A bundle that brought its own React, or expected another global, fails here.
    const registered = [];
    const window = {
        React: require('react'), ReactDOM: require('react-dom'), Redux: require('redux'), ReactRedux: require('react-redux'), PropTypes: {},
        registerPlugin: (id, instance) => registered.push({id, instance}),
    };
    Object.assign(window, {window, self: window, console});
    vm.runInNewContext(js, window, {filename: 'main.js'}); // in a browser, window is the global object
    assert.equal(registered.length, 1);
    assert.equal(registered[0].id, plugin.id);
    assert.equal(typeof registered[0].instance.initialize, 'function');
    for (const reactInternal of ['__SECRET_INTERNALS', 'react.production', 'react-dom.production', 'ReactCurrentOwner']) {
        assert.ok(!js.includes(reactInternal), `main.js bundles React (found ${reactInternal}): check webpack externals`);
    }
});

test('packing twice gives the same bytes', async () => {
    const again = (await bundle({outDir: join(work, 'again')})).path;
    const sha = async (p) => createHash('sha256').update(await readFile(p)).digest('hex');
    assert.equal(await sha(again), await sha(tarball));
});
