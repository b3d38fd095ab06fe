// Packs the real plugin (after `npm run build -w webapp`; the Go server part is built here, from Go's cache
// when unchanged) and checks what Mattermost will unpack.
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
import {REQUIRED_PLATFORMS, readPluginJson, validateManifest} from './manifest.mjs';
import {buildServerExecutables} from './plugin-server.mjs';

const plugin = readPluginJson();
// The host's libraries, as Mattermost puts them on window.
const require = createRequire(new URL('../webapp/package.json', import.meta.url));
let work;
let tarball;
let unpacked;

before(async () => {
    work = await mkdtemp(join(tmpdir(), 'backup-dr-bundle-test-'));
    buildServerExecutables(plugin);
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

// ELF e_machine values (System V ABI): what a Linux kernel checks before it runs a binary.
const ELF_MACHINE = {amd64: 0x3e, arm64: 0xb7};

test('every platform in server.executables is packed as an executable static ELF for its architecture', async () => {
    const executables = Object.entries(plugin.server.executables);
    assert.deepEqual(REQUIRED_PLATFORMS.filter((p) => !plugin.server.executables[p]), []);
    const listing = spawnSync('tar', ['-tvzf', tarball], {encoding: 'utf8'}).stdout;
    for (const [platform, path] of executables) {
        const [os, arch] = platform.split('-');
        const entry = listing.split('\n').find((l) => l.endsWith(` ${plugin.id}/${path}`));
        assert.ok(entry?.startsWith('-rwxr-xr-x'), `${path} is not packed as an executable: ${entry}`);
        const bytes = await readFile(join(unpacked, plugin.id, path));
        const head = bytes.subarray(0, 64);
        if (os !== 'linux') {
            continue;
        }
        assert.equal(head.subarray(0, 4).toString('latin1'), '\x7fELF', `${path} is not an ELF binary`);
        assert.equal(head[4], 2, `${path} is not 64-bit`);
        assert.equal(head.readUInt16LE(18), ELF_MACHINE[arch], `${path} is not built for ${arch}`);
        // Static: no program header asks for a dynamic loader (PT_INTERP), so any Linux host can run it.
        const [phoff, phentsize, phnum] = [Number(head.readBigUInt64LE(32)), head.readUInt16LE(54), head.readUInt16LE(56)];
        const types = Array.from({length: phnum}, (_, i) => bytes.readUInt32LE(phoff + i * phentsize));
        assert.ok(types.length > 0 && !types.includes(3), `${path} is dynamically linked: build with CGO_ENABLED=0`);
        const size = (await stat(join(unpacked, plugin.id, path))).size;
        assert.ok(size < 40 * 1024 * 1024, `${path} is ${size} bytes: built without -ldflags "-s -w"?`);
    }
});

test('the linux-amd64 binary starts as a Mattermost plugin does (and says so when run by hand)', {skip: process.arch !== 'x64' && 'not an x86-64 host'}, () => {
    const path = join(unpacked, plugin.id, plugin.server.executables['linux-amd64']);
    // Outside Mattermost, the plugin RPC handshake cookie is missing: the binary starts, explains and exits 1.
    const run = spawnSync(path, [], {encoding: 'utf8', env: {}, timeout: 10_000});
    assert.equal(run.error, undefined, `cannot execute ${path}: ${run.error?.message}`);
    assert.equal(run.status, 1);
    assert.match(run.stdout + run.stderr, /This binary is a plugin/);
});

test('the bot icon is packed where the server part reads it', async () => {
    const png = await readFile(join(unpacked, plugin.id, 'assets', 'bot-icon.png'));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    const goSource = await readFile(new URL('../server/plugin/bot.go', import.meta.url), 'utf8');
    assert.match(goSource, /botIconPath\s*=\s*"assets\/bot-icon\.png"/);
});
