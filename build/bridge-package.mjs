#!/usr/bin/env node
// Packs the bridge for a Mattermost host: dist/mmbackup-bridge-<version>.tar.gz, which unpacks (tar -C /opt)
// to mmbackup/ holding the compiled CLI and service, the production node_modules, the systemd unit, the
// example environment file and the docs. Nothing but a Node.js >= 22.15 is needed on the host to run it.
// Usage: node build/bridge-package.mjs [--out DIR]   (build the server first: npm run build -w server)
//
// The production dependencies come from `npm ci --omit=dev --workspace server` in a scratch copy of the
// lockfile, so the package holds exactly the locked versions and none of the dev tooling. That needs the npm
// registry, or an npm cache that already holds them (it runs --prefer-offline).
// The archive is reproducible: fixed entry order, owner, modes and mtimes, and a gzip header without a time.
import {spawn} from 'node:child_process';
import {createWriteStream} from 'node:fs';
import {chmod, copyFile, cp, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {pipeline} from 'node:stream/promises';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {isGnuTar, runTarGzipped} from './tar.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TOP = 'mmbackup';

// SOURCE_DATE_EPOCH is the reproducible-builds convention for "the time to stamp on outputs".
const MTIME = Number(process.env.SOURCE_DATE_EPOCH ?? 0);

/** Repository files copied as they are: [source, path inside mmbackup/]. */
const FILES = [
    ['README.md', 'README.md'],
    ['docs/install.md', 'docs/install.md'],
    ['build/systemd/mmbackup.service', 'systemd/mmbackup.service'],
    ['build/mmbackup.env.example', 'mmbackup.env.example'],
    ['server/package.json', 'server/package.json'],
    ['server/bin/mmbackup', 'server/bin/mmbackup'],
];

/**
 * Installed by npm but never loaded at run time: TypeScript comes in as an optional peer of
 * @mattermost/client (23 MB), and the type packages hold only .d.ts files. Removing them is checked by
 * build/bridge-package.test.mjs, which resolves every require() of server/dist inside the unpacked package.
 */
const TYPE_ONLY = ['typescript', '@types', 'undici-types'];

export function serverVersion() {
    return readFile(join(root, 'server/package.json'), 'utf8').then((t) => JSON.parse(t).version);
}

/** Runs a command; rejects quoting its last stderr line. With `out`, stdout is piped into it. */
function run(cmd, args, {cwd, env = process.env, out} = {}) {
    const child = spawn(cmd, args, {cwd, env, stdio: ['ignore', out ? 'pipe' : 'ignore', 'pipe']});
    let stderr = '';
    child.stderr.on('data', (d) => {
        stderr = (stderr + d).slice(-8192);
    });
    const exited = new Promise((ok, fail) => {
        child.on('error', (err) => fail(new Error(`cannot run ${cmd}: ${err.message}`)));
        child.on('close', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} ${args[0]} exited with ${code}: ${stderr.trim().split('\n').pop()}`))));
    });
    return out ? Promise.all([exited, pipeline(child.stdout, out)]) : exited;
}

async function exists(path) {
    try {
        await lstat(path);
        return true;
    } catch {
        return false;
    }
}

/**
 * Installs the server's production dependencies into depsDir, laid out as npm lays out the workspace:
 * depsDir/node_modules (hoisted) and, when npm nests any, depsDir/server/node_modules.
 */
async function installProductionDeps(depsDir) {
    const rootPkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    await copyFile(join(root, 'package.json'), join(depsDir, 'package.json'));
    await copyFile(join(root, 'package-lock.json'), join(depsDir, 'package-lock.json'));
    // npm ci checks the lockfile against every workspace, so each one's package.json must be there.
    for (const ws of rootPkg.workspaces ?? []) {
        await mkdir(join(depsDir, ws), {recursive: true});
        await copyFile(join(root, ws, 'package.json'), join(depsDir, ws, 'package.json'));
    }
    // --ignore-scripts: no runtime dependency needs an install script (no native addons), and a
    // package build should not run code from the registry.
    await run('npm', ['ci', '--omit=dev', '--workspace', 'server', '--ignore-scripts', '--prefer-offline',
        '--no-audit', '--no-fund', '--loglevel=error'], {cwd: depsDir})
        .catch((err) => {
            throw new Error(`${err.message}\n  (npm ci needs the npm registry, or a cache holding the locked packages: run \`npm ci\` once online)`);
        });
    for (const nm of ['node_modules', 'server/node_modules']) {
        const dir = join(depsDir, nm);
        if (!await exists(dir)) {
            continue;
        }
        // The workspace's own link (node_modules/mmbackup -> ../server), CLI shims and npm's bookkeeping.
        for (const junk of ['mmbackup', '.bin', '.package-lock.json', ...TYPE_ONLY]) {
            await rm(join(dir, junk), {recursive: true, force: true});
        }
    }
    await bundleWire(join(depsDir, 'node_modules/@backup-dr/wire'));
}

/**
 * The shared contract (wire/) is a workspace, so npm links it; the bridge requires its compiled files at run
 * time, so the package carries them in place of the link: package.json and dist/ (protocol.json included).
 */
async function bundleWire(target) {
    await rm(target, {recursive: true, force: true}); // the link only: rm does not follow it
    await mkdir(target, {recursive: true});
    await copyFile(join(root, 'wire/package.json'), join(target, 'package.json'));
    await cp(join(root, 'wire/dist'), join(target, 'dist'), {recursive: true, filter: (src) => !/\.(map|d\.ts)$/.test(src)});
}

/** Every path under dir, relative to base, directories before their contents, sorted bytewise. */
async function walk(base, rel, out) {
    out.push(rel);
    const s = await lstat(join(base, rel));
    if (s.isSymbolicLink()) {
        throw new Error(`${rel} is a symbolic link: the package holds only files and directories`);
    }
    if (s.isDirectory()) {
        const names = (await readdir(join(base, rel))).sort();
        for (const n of names) {
            await walk(base, `${rel}/${n}`, out);
        }
    }
    return out;
}

/** Copies everything under stage/mmbackup/ and returns the sorted entry list with normalised modes/mtimes. */
async function stage(stageDir, depsDir) {
    const top = join(stageDir, TOP);
    await mkdir(top, {recursive: true});
    for (const [src, dest] of FILES) {
        await mkdir(dirname(join(top, dest)), {recursive: true});
        await copyFile(join(root, src), join(top, dest));
    }
    await cp(join(root, 'server/dist'), join(top, 'server/dist'), {recursive: true});
    await rename(join(depsDir, 'node_modules'), join(top, 'node_modules'));
    if (await exists(join(depsDir, 'server/node_modules'))) {
        await rename(join(depsDir, 'server/node_modules'), join(top, 'server/node_modules'));
    }

    const entries = (await walk(stageDir, TOP, [])).sort();
    let bytes = 0;
    for (const e of entries) {
        const path = join(stageDir, e);
        const s = await stat(path);
        // Keep "executable or not" and nothing else, so the archive depends only on contents.
        await chmod(path, s.isDirectory() || (s.mode & 0o111) ? 0o755 : 0o644);
        await utimes(path, MTIME, MTIME);
        bytes += s.isFile() ? s.size : 0;
    }
    return {entries, bytes};
}

async function tarFlavourArgs() {
    // GNU format stores node_modules' long paths without pax headers (which would carry atime/ctime).
    return (await isGnuTar())
        ? ['--format=gnu', '--owner=0', '--group=0', '--numeric-owner', '--verbatim-files-from']
        : ['--format=pax', '--uid', '0', '--gid', '0'];
}

/** Builds the tarball and returns its path, compressed size, unpacked size and entries. */
export async function packageBridge({outDir = join(root, 'dist')} = {}) {
    for (const built of ['server/dist/cli/main.js', 'wire/dist/src/index.js']) {
        if (!await exists(join(root, built))) {
            throw new Error(`${built} is missing: run \`npm run build -w server\` first (it builds wire/ too)`);
        }
    }
    for (const [src] of FILES) {
        if (!await exists(join(root, src))) {
            throw new Error(`${src} is missing`);
        }
    }
    const version = await serverVersion();
    const work = await mkdtemp(join(tmpdir(), 'mmbackup-bridge-package-'));
    const target = join(outDir, `mmbackup-bridge-${version}.tar.gz`);
    const tmp = `${target}.${process.pid}.tmp`;
    try {
        const depsDir = join(work, 'deps');
        const stageDir = join(work, 'stage');
        await mkdir(depsDir);
        await installProductionDeps(depsDir);
        const {entries, bytes} = await stage(stageDir, depsDir);

        // The list goes through a file: thousands of node_modules paths would overflow an argument list.
        const listFile = join(work, 'entries.txt');
        await writeFile(listFile, `${entries.join('\n')}\n`);
        await mkdir(outDir, {recursive: true});
        const args = ['-c', '-f', '-', '--no-recursion', ...await tarFlavourArgs(), '-T', listFile];
        await runTarGzipped(args, stageDir, createWriteStream(tmp));

        // Rename last, so dist/ never holds a half-written tarball under the real name.
        await rename(tmp, target);
        return {path: target, size: (await stat(target)).size, unpackedBytes: bytes, entries};
    } finally {
        await rm(work, {recursive: true, force: true});
        await rm(tmp, {force: true});
    }
}

function parseArgs(argv) {
    if (argv.length === 0) {
        return {};
    }
    if (argv.length === 2 && argv[0] === '--out') {
        return {outDir: resolve(argv[1])};
    }
    throw new Error('usage: node build/bridge-package.mjs [--out DIR]');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    try {
        const {path, size, unpackedBytes, entries} = await packageBridge(parseArgs(process.argv.slice(2)));
        const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
        console.log(`wrote ${path}: ${mb(size)} (${mb(unpackedBytes)} unpacked, ${entries.length} entries)`);
        console.log(`install: tar -xzf ${path} -C /opt   (then see /opt/${TOP}/docs/install.md)`);
    } catch (err) {
        console.error(`bridge-package: ${err.message}`);
        process.exitCode = 1;
    }
}
