#!/usr/bin/env node
// Packs the plugin Mattermost installs: dist/<id>-<version>.tar.gz holding <id>/plugin.json, the Go server
// executables plugin.json names, <id>/<bundle_path>, assets/ (the bot's icon) and README/LICENSE when present.
// Usage: node build/bundle.mjs [--out DIR]   (build the webapp and `node build/plugin-server.mjs` first)
// The archive is reproducible: fixed entry order, owner, modes and mtimes, and a gzip header without a time.
import {createWriteStream} from 'node:fs';
import {chmod, copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, utimes} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join, relative, resolve, sep} from 'node:path';
import {pathToFileURL} from 'node:url';

import {manifestTsProblems, readPluginJson, root, validateManifest} from './manifest.mjs';
import {isGnuTar, runTarGzipped} from './tar.mjs';

const OPTIONAL_FILES = ['LICENSE', 'README.md'];
// Files the plugin reads at run time from its bundle path (the bot's profile image).
const ASSETS_DIR = 'assets';

// SOURCE_DATE_EPOCH is the reproducible-builds convention for "the time to stamp on outputs".
const MTIME = Number(process.env.SOURCE_DATE_EPOCH ?? 0);

async function isNonEmptyFile(path) {
    try {
        const s = await stat(path);
        return s.isFile() && s.size > 0;
    } catch {
        return false;
    }
}

/** Files to pack, relative to the repository root, in archive order; throws with the fix when one is missing. */
async function packList(m) {
    const bundle = m.webapp.bundle_path;
    if (!await isNonEmptyFile(join(root, bundle))) {
        throw new Error(`${bundle} is missing or empty: run \`npm run build -w webapp\` first`);
    }
    const optional = [];
    for (const f of OPTIONAL_FILES) {
        if (await isNonEmptyFile(join(root, f))) {
            optional.push(f);
        }
    }
    const executables = Object.values(m.server?.executables ?? {});
    for (const exe of executables) {
        if (!await isNonEmptyFile(join(root, exe))) {
            throw new Error(`${exe} is missing or empty: run \`node build/plugin-server.mjs\` (it needs Go) first`);
        }
    }
    const assets = (await readdir(join(root, ASSETS_DIR), {recursive: true, withFileTypes: true})).
        filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'));
    return {files: [...optional, ...assets, ...executables, 'plugin.json', bundle].sort(), executables: new Set(executables)};
}

/** Copies the files under stage/<id>/ and lists every entry (directories before their contents), sorted. */
async function stage(stageDir, id, {files, executables}) {
    const entries = new Set([id]);
    for (const f of files) {
        const dest = join(stageDir, id, f);
        await mkdir(dirname(dest), {recursive: true});
        await copyFile(join(root, f), dest);
        const parts = f.split('/');
        for (let i = 1; i <= parts.length; i++) {
            entries.add([id, ...parts.slice(0, i)].join('/'));
        }
    }
    const sorted = [...entries].sort();

    // Normalise what tar records so the archive depends only on file contents.
    // Mattermost unpacks with the recorded modes and then executes the server binary.
    for (const e of sorted) {
        const path = join(stageDir, e);
        const executable = (await stat(path)).isDirectory() || executables.has(e.slice(id.length + 1));
        await chmod(path, executable ? 0o755 : 0o644);
        await utimes(path, MTIME, MTIME);
    }
    return sorted;
}

async function tarFlavourArgs() {
    return (await isGnuTar()) ? ['--owner=0', '--group=0', '--numeric-owner'] : ['--uid', '0', '--gid', '0'];
}

/** Builds the tarball and returns its path and size. */
export async function bundle({outDir = join(root, 'dist')} = {}) {
    const m = readPluginJson();
    const invalid = validateManifest(m);
    const problems = invalid.length ? invalid : manifestTsProblems(m);
    if (problems.length) {
        throw new Error(`plugin.json: ${problems.join('; ')}`);
    }
    const pack = await packList(m);
    const stageDir = await mkdtemp(join(tmpdir(), 'backup-dr-bundle-'));
    const target = join(outDir, `${m.id}-${m.version}.tar.gz`);
    const tmp = `${target}.${process.pid}.tmp`;
    try {
        const entries = await stage(stageDir, m.id, pack);
        await mkdir(outDir, {recursive: true});
        const args = ['-c', '-f', '-', '--format=ustar', '--no-recursion', ...await tarFlavourArgs(), '--', ...entries];
        await runTarGzipped(args, stageDir, createWriteStream(tmp));

        // Rename last, so dist/ never holds a half-written tarball under the real name.
        await rename(tmp, target);
        return {path: target, size: (await stat(target)).size, entries};
    } finally {
        await rm(stageDir, {recursive: true, force: true});
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
    throw new Error('usage: node build/bundle.mjs [--out DIR]');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    try {
        const {path, size, entries} = await bundle(parseArgs(process.argv.slice(2)));
        console.log(`wrote ${path} (${size} bytes): ${entries.join(', ')}`);
    } catch (err) {
        console.error(`bundle: ${err.message}`);
        process.exitCode = 1;
    }
}
