// Packs the real bridge (after `npm run build -w server`), unpacks it far from the repository and checks that
// it runs there on its own. Packing runs `npm ci --omit=dev`: it needs the npm registry or a warm npm cache.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readdir, readFile, rm, stat} from 'node:fs/promises';
import {builtinModules} from 'node:module';
import {tmpdir} from 'node:os';
import {dirname, join, relative, sep} from 'node:path';
import {after, before, test} from 'node:test';

import {packageBridge, root, serverVersion, TOP} from './bridge-package.mjs';

let work;
let tarball;
let unpacked;
let version;

before(async () => {
    version = await serverVersion();
    work = await mkdtemp(join(tmpdir(), 'mmbackup-bridge-test-'));
    tarball = (await packageBridge({outDir: join(work, 'out')})).path;
    unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked], {encoding: 'utf8'});
    assert.equal(tar.status, 0, tar.stderr);
});

after(() => rm(work, {recursive: true, force: true}));

/** An environment in which only the unpacked package can provide modules: no NODE_PATH, no ~/.node_modules. */
function isolatedEnv() {
    const env = {...process.env, HOME: work};
    delete env.NODE_PATH;
    delete env.NODE_OPTIONS;
    return env;
}

async function filesUnder(dir) {
    const out = [];
    for (const e of await readdir(dir, {withFileTypes: true, recursive: true})) {
        if (e.isFile()) {
            out.push(join(e.parentPath, e.name));
        }
    }
    return out.sort();
}

test('tarball is mmbackup-bridge-<version>.tar.gz, every entry under mmbackup/, in sorted order', () => {
    assert.ok(tarball.endsWith(`mmbackup-bridge-${version}.tar.gz`), tarball);
    const list = spawnSync('tar', ['-tzf', tarball], {encoding: 'utf8', maxBuffer: 64 << 20}).stdout.trim().split('\n');
    assert.ok(list.every((e) => e === `${TOP}/` || e.startsWith(`${TOP}/`)), 'an entry outside mmbackup/');
    const names = list.map((e) => e.replace(/\/$/, ''));
    assert.deepEqual(names, [...names].sort());
});

test('layout: server/dist, bin, package.json, production node_modules, unit, env example, docs', async () => {
    const top = join(unpacked, TOP);
    for (const f of ['server/dist/cli/main.js', 'server/bin/mmbackup', 'server/package.json', 'README.md', 'docs/install.md',
        'systemd/mmbackup.service', 'mmbackup.env.example']) {
        assert.ok((await stat(join(top, f))).size > 0, `${f} is missing or empty`);
    }
    assert.ok((await stat(join(top, 'server/bin/mmbackup'))).mode & 0o100, 'bin/mmbackup is not executable');
    const pkg = JSON.parse(await readFile(join(top, 'server/package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies)) {
        assert.ok(existsSync(join(top, 'node_modules', dep, 'package.json')), `runtime dependency ${dep} is missing`);
    }
    // Dev tooling and what is only needed to compile stays out.
    for (const absent of ['jest', 'typescript', '@types', 's3rver', '@swc', '.bin', 'mmbackup']) {
        assert.ok(!existsSync(join(top, 'node_modules', absent)), `node_modules/${absent} should not be packed`);
    }
    assert.equal(pkg.version, version);
});

test('mmbackup --version runs from the unpacked tree with no repository node_modules reachable', () => {
    // Node looks for node_modules in every ancestor of the script: none may exist outside the package.
    for (let d = dirname(unpacked); d !== dirname(d); d = dirname(d)) {
        assert.ok(!existsSync(join(d, 'node_modules')), `${d}/node_modules would be reachable from the package`);
    }
    assert.ok(relative(root, unpacked).startsWith('..'), 'the package must be unpacked outside the repository');
    const run = spawnSync(process.execPath, [join(TOP, 'server/bin/mmbackup'), '--version'], {cwd: unpacked, env: isolatedEnv(), encoding: 'utf8'});
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), version);
});

test('every package server/dist requires loads from the unpacked tree, dependencies included', async () => {
    const dist = join(unpacked, TOP, 'server/dist');
    const builtins = new Set(builtinModules);
    const wanted = new Map(); // specifier -> a file requiring it
    for (const file of (await filesUnder(dist)).filter((f) => f.endsWith('.js'))) {
        for (const [, spec] of (await readFile(file, 'utf8')).matchAll(/\brequire\("([^"]+)"\)/g)) {
            if (!spec.startsWith('.') && !spec.startsWith('node:') && !builtins.has(spec) && !wanted.has(spec)) {
                wanted.set(spec, file);
            }
        }
    }
    assert.ok(wanted.has('commander'), 'no bare require found: did the compiled output change shape?');
    // Load each one for real in a clean process, so a missing transitive dependency fails here, not in production.
    const script = `
        const {createRequire} = require('node:module');
        const out = {};
        for (const [spec, from] of JSON.parse(process.argv[1])) {
            try { createRequire(from)(spec); out[spec] = createRequire(from).resolve(spec); } catch (e) { out[spec] = 'ERROR ' + e.message.split('\\n')[0]; }
        }
        process.stdout.write(JSON.stringify(out));`;
    const run = spawnSync(process.execPath, ['-e', script, JSON.stringify([...wanted])], {cwd: unpacked, env: isolatedEnv(), encoding: 'utf8'});
    assert.equal(run.status, 0, run.stderr);
    for (const [spec, where] of Object.entries(JSON.parse(run.stdout))) {
        assert.ok(where.startsWith(join(unpacked, TOP) + sep), `${spec}: ${where}`);
    }
});

/** Every MMBACKUP_* name the server sources read: literal names, plus the settings' derived override names. */
async function variablesTheSourcesRead() {
    const names = new Set();
    const src = join(root, 'server/src');
    for (const file of (await filesUnder(src)).filter((f) => /\.ts$/.test(f) && !/\.(test|testkit)\.ts$/.test(f))) {
        for (const [name] of (await readFile(file, 'utf8')).matchAll(/\bMMBACKUP_[A-Z0-9_]*[A-Z0-9]\b/g)) {
            names.add(name);
        }
    }
    // settings/schema.ts derives MMBACKUP_<KEY> from each spec('name', ...) as envNameOf() does.
    const schema = join(src, 'settings/schema.ts');
    if (existsSync(schema)) {
        for (const [, name] of (await readFile(schema, 'utf8')).matchAll(/\b(?:spec|keep)\('(\w+)'/g)) {
            names.add(`MMBACKUP_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`);
        }
    }
    return names;
}

async function variablesInExample() {
    const text = await readFile(join(unpacked, TOP, 'mmbackup.env.example'), 'utf8');
    return new Set([...text.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
}

test('the env example lists every MMBACKUP_* variable the sources read, and MM_CONFIG', async () => {
    const read = await variablesTheSourcesRead();
    const listed = await variablesInExample();
    assert.ok(read.has('MMBACKUP_REPO') && read.has('MMBACKUP_BRIDGE_SECRET'), [...read].join(' '));
    assert.deepEqual([...read].filter((v) => !listed.has(v)).sort(), [], 'add these to build/mmbackup.env.example');
    assert.ok(listed.has('MM_CONFIG'));
});

test('the env example names no MMBACKUP_* variable the sources do not read', async () => {
    const read = await variablesTheSourcesRead();
    const stale = [...await variablesInExample()].filter((v) => v.startsWith('MMBACKUP_') && !read.has(v));
    assert.deepEqual(stale, [], 'remove these from build/mmbackup.env.example or make the sources read them');
});

test('the env example is not a real secret: placeholders only, and it says 0600', async () => {
    const text = await readFile(join(unpacked, TOP, 'mmbackup.env.example'), 'utf8');
    assert.match(text, /0600/);
    for (const secret of ['MMBACKUP_BRIDGE_SECRET', 'MMBACKUP_PASSPHRASE', 'MMBACKUP_S3_SECRET_ACCESS_KEY']) {
        assert.match(text, new RegExp(`^#?${secret}=CHANGE_ME`, 'm'), `${secret} must be a CHANGE_ME placeholder`);
    }
});

test('packing twice gives the same bytes', async () => {
    const again = (await packageBridge({outDir: join(work, 'again')})).path;
    const sha = async (p) => createHash('sha256').update(await readFile(p)).digest('hex');
    assert.equal(await sha(again), await sha(tarball));
});
