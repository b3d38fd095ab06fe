// build/ensure-system-tools.sh: `make demo` installs only the database tools; `make test` (the `tools` target)
// also Chromium for the browser tests. The script runs for real as an unprivileged user on a PATH where none of
// the tools exist, so it names what it would install instead of installing it.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmod, copyFile, mkdtemp, rm, symlink} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {root} from './bridge-package.mjs';

const script = join(root, 'build/ensure-system-tools.sh');
const isRoot = process.getuid?.() === 0;
let emptyPath;
/** A copy of the script that the unprivileged user can read wherever the checkout is (a 0700 temp dir, say). */
let scriptCopy;

before(async () => {
    emptyPath = await mkdtemp(join(tmpdir(), 'mmbackup-no-tools-'));
    await chmod(emptyPath, 0o755);
    await symlink('/usr/bin/id', join(emptyPath, 'id'));
    scriptCopy = join(emptyPath, 'ensure-system-tools.sh');
    await copyFile(script, scriptCopy);
    await chmod(scriptCopy, 0o755);
});
after(() => rm(emptyPath, {recursive: true, force: true}));

/** Which tools `make <target>` would have the script install: the arguments of every call it makes. */
function scriptCalls(target) {
    const run = spawnSync('make', ['-n', '-C', root, target], {encoding: 'utf8'});
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.split('\n').filter((l) => l.includes('ensure-system-tools.sh')).map((l) => l.trim().replace(/^@/, ''));
}

test('make demo asks for the database tools only; make test (tools) for Chromium too', () => {
    assert.deepEqual(scriptCalls('demo'), ['build/ensure-system-tools.sh --db-only']);
    assert.deepEqual(scriptCalls('tools'), ['build/ensure-system-tools.sh']);
});

/**
 * Runs the script as nobody with no database tool on PATH and, as root, /usr/bin/chromium hidden in a private
 * mount namespace, so the answer does not depend on what this machine has installed.
 */
function missingWith(args) {
    const inner = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'env', `PATH=${emptyPath}`, '/bin/bash', scriptCopy, ...args];
    const run = spawnSync('unshare', ['--mount', 'sh', '-c', 'mount --bind /dev/null /usr/bin/chromium 2>/dev/null || true; exec "$@"', 'sh', ...inner], {encoding: 'utf8'});
    assert.equal(run.status, 1, run.stderr);
    return /^mmbackup needs: (.*) \(Debian\/Ubuntu: sudo apt-get install \1\)$/m.exec(run.stderr)?.[1].split(' ') ?? assert.fail(run.stderr);
}

test('--db-only names the database clients and never Chromium', {skip: !isRoot && 'needs root (setpriv, a private mount namespace)'}, () => {
    assert.deepEqual(missingWith(['--db-only']), ['postgresql-client', 'mariadb-client']);
});

test('without options it names Chromium too, for the browser tests', {skip: !isRoot && 'needs root (setpriv, a private mount namespace)'}, () => {
    assert.deepEqual(missingWith([]), ['postgresql-client', 'mariadb-client', 'chromium', 'chromium-driver']);
});

test('an unknown option is refused with the usage', () => {
    const run = spawnSync('bash', [script, '--everything'], {encoding: 'utf8'});
    assert.equal(run.status, 2);
    assert.match(run.stderr, /usage: .*ensure-system-tools\.sh \[--db-only\]/);
});
