// How the Go build finds its toolchain, and what it says when there is none or it is too old.
import assert from 'node:assert/strict';
import {chmod, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';

import {executables, findGo} from './plugin-server.mjs';
import {readPluginJson} from './manifest.mjs';

let dir;

/** A stand-in `go` that reports the given version, as `go env GOVERSION` does. */
async function fakeGo(name, version) {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\necho ${version}\n`);
    await chmod(path, 0o755);
    return path;
}

before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backup-dr-go-'));
});

after(() => rm(dir, {recursive: true, force: true}));

test('no go anywhere: the error says what to install and how to put it on PATH', () => {
    assert.throws(() => findGo([join(dir, 'absent-go')]), (err) => {
        assert.match(err.message, /Go is missing/);
        assert.match(err.message, /Install Go 1\.24 or newer/);
        assert.match(err.message, /PATH/);
        return true;
    });
});

test('a go that is too old is named with its version', async () => {
    const old = await fakeGo('go-old', 'go1.21.6');
    assert.throws(() => findGo([old]), /go1\.21\.6, too old/);
});

test('the first go that is new enough is used, a missing one skipped', async () => {
    const good = await fakeGo('go-new', 'go1.26.0');
    assert.equal(findGo([join(dir, 'absent-go'), good]), good);
});

test('every executable of plugin.json maps to a GOOS and GOARCH', () => {
    for (const {platform, goos, goarch, path} of executables(readPluginJson())) {
        assert.match(goos, /^(linux|darwin|windows)$/, platform);
        assert.match(goarch, /^(amd64|arm64)$/, platform);
        assert.ok(path.startsWith('server/plugin/dist/'), path);
    }
});
