#!/usr/bin/env node
// Builds the plugin's server part (server/plugin, Go) for every platform plugin.json's server.executables
// names, at the path it names: static (CGO_ENABLED=0), -trimpath, stripped (-s -w).
// Usage: node build/plugin-server.mjs
// Go's own build cache (GOCACHE) makes a second build of unchanged sources take seconds.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {pathToFileURL} from 'node:url';

import {readPluginJson, root} from './manifest.mjs';

export const goModuleDir = join(root, 'server', 'plugin');
const MIN_GO = [1, 24];
const INSTALL_GO = `Install Go ${MIN_GO.join('.')} or newer: Debian's golang-go package where it is new enough, or Go's release tarball unpacked into /usr/local/go; then put its bin directory on PATH (export PATH=/usr/local/go/bin:$PATH), or set GO to the go binary.`;

/** The go binary to use: $GO, go on PATH, else /usr/local/go/bin/go; throws saying what to install. */
export function findGo(candidates = [process.env.GO, 'go', '/usr/local/go/bin/go'].filter(Boolean)) {
    for (const go of candidates) {
        const run = spawnSync(go, ['env', 'GOVERSION'], {encoding: 'utf8'});
        if (run.status !== 0) {
            continue;
        }
        const version = run.stdout.trim();
        const [major, minor] = (version.match(/^go(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
        if (!(major > MIN_GO[0] || (major === MIN_GO[0] && minor >= MIN_GO[1]))) {
            throw new Error(`${go} is ${version || 'of an unknown version'}, too old to build the plugin's server part. ${INSTALL_GO}`);
        }
        return go;
    }
    throw new Error(`Go is missing: the plugin's server part (server/plugin) is written in Go. ${INSTALL_GO}`);
}

/** [{platform, goos, goarch, path}] for plugin.json's server.executables. */
export function executables(m = readPluginJson()) {
    return Object.entries(m.server?.executables ?? {}).map(([platform, path]) => {
        const [goos, goarch] = platform.split('-');
        return {platform, goos, goarch, path};
    });
}

/** Builds every executable; returns their repository-relative paths. Throws with go's output on failure. */
export function buildServerExecutables(m = readPluginJson()) {
    const go = findGo();
    const built = [];
    for (const {platform, goos, goarch, path} of executables(m)) {
        const out = join(root, path);
        mkdirSync(dirname(out), {recursive: true});
        const run = spawnSync(go, ['build', '-trimpath', '-buildvcs=false', '-ldflags', '-s -w', '-o', out, '.'], {
            cwd: goModuleDir,
            env: {...process.env, CGO_ENABLED: '0', GOOS: goos, GOARCH: goarch},
            stdio: ['ignore', 'inherit', 'pipe'],
            encoding: 'utf8',
        });
        if (run.status !== 0 || !existsSync(out)) {
            throw new Error(`go build for ${platform} failed (exit ${run.status}):\n${run.stderr ?? run.error?.message}`);
        }
        built.push(path);
    }
    return built;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    try {
        const started = Date.now();
        const built = buildServerExecutables();
        console.log(`built ${built.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
        console.error(`plugin-server: ${err.message}`);
        process.exitCode = 1;
    }
}
