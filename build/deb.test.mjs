// Builds the .deb, installs it on THIS machine as an admin would (dpkg -i, as root), checks the user, the modes
// and that the `mattermost` user cannot read the bridge's secrets or backups, runs `mmbackup init` and a backup,
// starts the unit's ExecStart exactly as the unit describes it (user, capabilities, environment file, working
// dir) against a generated Mattermost installation until it answers /healthz, then upgrades, removes and purges
// the package and checks that the repository and key survive. Everything it created is removed again.
// Needs root, dpkg, setpriv and the PostgreSQL at 127.0.0.1:5432 (user postgres, trust); skipped without root.
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {chmod, chown, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';

import {buildDeb, PACKAGE} from './deb/build-deb.mjs';
import {root} from './bridge-package.mjs';
import {parseEnvironmentFile, parseUnit, setprivArgs} from './deb/unit.mjs';

const UNIT = '/usr/lib/systemd/system/mmbackup.service';
const ENV_FILE = '/etc/mmbackup/mmbackup.env';
const STATE = '/var/lib/mmbackup';
const KEY = `${STATE}/mmbackup.key`;
const REPO = `${STATE}/repository`;

const isRoot = process.getuid?.() === 0;
const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, {encoding: 'utf8', maxBuffer: 64 << 20, ...opts});
const exists = (what, name) => sh('getent', [what, name]).status === 0;
const installed = () => sh('dpkg-query', ['-W', '-f=${Status}', PACKAGE]).stdout.includes('install ok installed');
/** Runs a command as `user` with its groups (what the kernel would let that user do). */
const as = (user, cmd, args) => sh('setpriv', [`--reuid=${user}`, `--regid=${user}`, '--init-groups', '--', cmd, ...args]);

// What was there before, so that `after` leaves the machine as it found it.
const before0 = {
    mattermost: exists('passwd', 'mattermost'),
    mattermostGroup: exists('group', 'mattermost'),
    mmbackup: exists('passwd', 'mmbackup'),
    state: existsSync(STATE),
    etc: existsSync('/etc/mmbackup'),
    opt: existsSync('/opt/mmbackup'),
};
const blocked = !isRoot ? 'needs root (dpkg -i on this machine)'
    : installed() || before0.opt || before0.etc ? `${PACKAGE} (or /opt/mmbackup, /etc/mmbackup) is already on this machine: the test would replace it`
        : sh('which', ['dpkg-deb', 'setpriv']).status !== 0 ? 'needs dpkg-deb and setpriv' : undefined;

let work;
let deb;
let installation; // {dir, configFile, database, drop()}

before(async () => {
    if (blocked) {
        return;
    }
    work = await mkdtemp(join(tmpdir(), 'mmbackup-deb-test-'));
    deb = (await buildDeb({outDir: join(work, 'out')})).path;
});

after(async () => {
    if (blocked) {
        return;
    }
    if (installed() || sh('dpkg-query', ['-W', PACKAGE]).status === 0) {
        sh('dpkg', ['--purge', PACKAGE]);
    }
    if (!before0.state) {
        await rm(STATE, {recursive: true, force: true});
    }
    if (!before0.etc) {
        await rm('/etc/mmbackup', {recursive: true, force: true});
    }
    if (!before0.mmbackup && exists('passwd', 'mmbackup')) {
        sh('userdel', ['mmbackup']);
    }
    if (!before0.mattermost && exists('passwd', 'mattermost')) {
        sh('userdel', ['mattermost']);
    }
    if (!before0.mattermostGroup && exists('group', 'mattermost')) {
        sh('groupdel', ['mattermost']);
    }
    await installation?.drop();
    await rm(work, {recursive: true, force: true});
});

test('the package: control, conffiles, maintainer scripts and modes', {skip: blocked}, () => {
    assert.match(deb, new RegExp(`/${PACKAGE}_\\d+\\.\\d+\\.\\d+_(amd64|arm64)\\.deb$`));
    const info = sh('dpkg-deb', ['-I', deb]);
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /^ Package: mmbackup-bridge$/m);
    assert.match(info.stdout, /^ Depends: .*libc6 \(>= 2\.28\).*passwd/m);
    for (const script of ['postinst', 'prerm', 'postrm']) {
        assert.match(info.stdout, new RegExp(`lines\\s+\\*\\s+${script}\\s`), `${script} must be executable`);
    }
    assert.equal(sh('dpkg-deb', ['-I', deb, 'conffiles']).stdout.trim(), ENV_FILE);

    const listing = sh('dpkg-deb', ['-c', deb]).stdout.split('\n');
    const entry = (path) => listing.find((l) => l.endsWith(` .${path}`)) ?? assert.fail(`${path} is not in the package`);
    assert.match(entry(ENV_FILE), /^-rw------- root\/root /);
    assert.match(entry('/usr/bin/mmbackup'), /^-rwxr-xr-x root\/root /);
    assert.match(entry('/opt/mmbackup/node/bin/node'), /^-rwxr-xr-x root\/root /);
    assert.match(entry(UNIT), /^-rw-r--r-- root\/root /);
    assert.match(entry('/opt/mmbackup/server/dist/cli/main.js'), /^-rw-r--r-- /);
    // Nothing under /var: the repository and key are created by postinst and init, never shipped (or removed).
    assert.equal(listing.filter((l) => / \.\/var\//.test(l)).length, 0);
    assert.ok(listing.every((l) => !l || / root\/root /.test(l)), 'every entry is owned by root');
});

test('the unit: its own user, hardened, writes only to its state dir', {skip: blocked}, async () => {
    const unit = parseUnit(await readFile(join(root, 'build/systemd/mmbackup.service'), 'utf8'));
    const s = unit.Service;
    assert.deepEqual([s.User, s.Group], [['mmbackup'], ['mmbackup']]);
    for (const [key, value] of [['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['ProtectHome', 'yes'],
        ['PrivateTmp', 'yes'], ['EnvironmentFile', ENV_FILE], ['UMask', '0077']]) {
        assert.deepEqual(s[key], [value], key);
    }
    assert.deepEqual(s.ReadWritePaths, [STATE]);
    assert.deepEqual(s.ReadOnlyPaths, ['-/opt/mattermost']);
    assert.deepEqual(s.AmbientCapabilities, ['CAP_DAC_READ_SEARCH']);
    assert.deepEqual(s.CapabilityBoundingSet, ['CAP_DAC_READ_SEARCH']);
    assert.match(s.ExecStart[0], /^\/opt\/mmbackup\/node\/bin\/node \/opt\/mmbackup\/server\/bin\/mmbackup serve$/);
});

test('installs with dpkg -i: user mmbackup in the mattermost group, private state, 0600 environment file', {skip: blocked}, async () => {
    if (!before0.mattermost) {
        // A Mattermost host has this user and group; create them first so postinst finds the group.
        const add = sh('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'mattermost']);
        assert.equal(add.status, 0, add.stderr);
    }
    const install = sh('dpkg', ['-i', deb]);
    assert.equal(install.status, 0, install.stderr);
    assert.match(install.stdout, /mmbackup init/, 'postinst says what to do next');

    const [, , , , , home, shell] = sh('getent', ['passwd', 'mmbackup']).stdout.trim().split(':');
    assert.deepEqual([home, shell], [STATE, '/usr/sbin/nologin']);
    assert.ok(sh('id', ['-nG', 'mmbackup']).stdout.trim().split(' ').includes('mattermost'));
    const uid = Number(sh('id', ['-u', 'mmbackup']).stdout);
    for (const [path, mode] of [[STATE, 0o700], [REPO, 0o700], [ENV_FILE, 0o600]]) {
        const s = await stat(path);
        assert.equal(s.mode & 0o777, mode, `${path} mode ${(s.mode & 0o777).toString(8)}`);
        assert.equal(s.uid, uid, `${path} owner`);
    }
    const version = sh('/usr/bin/mmbackup', ['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), JSON.parse(await readFile(join(root, 'server/package.json'), 'utf8')).version);
    // The launcher gives Node glibc's malloc settings, so the CLI never replaces its process to get them.
    const {TUNED_MALLOC} = createRequire(import.meta.url)('/opt/mmbackup/server/dist/common/malloc-tuning.js');
    assert.ok((await readFile('/usr/bin/mmbackup', 'utf8')).includes(`export GLIBC_TUNABLES="\${GLIBC_TUNABLES:-${TUNED_MALLOC}}"`));
    if (sh('which', ['strace']).status === 0) {
        const traced = sh('strace', ['-f', '-qq', '-e', 'trace=execve', '-e', 'signal=none', '/usr/bin/mmbackup', '--version']);
        assert.equal(traced.status, 0, traced.stderr);
        assert.equal(traced.stderr.split('\n').filter((line) => line.includes('execve("/opt/mmbackup/node/bin/node"')).length, 1, traced.stderr);
    }
    const node = sh('/opt/mmbackup/node/bin/node', ['-p', 'process.versions.node']).stdout.trim().split('.').map(Number);
    assert.ok(node[0] > 22 || (node[0] === 22 && node[1] >= 15), `bundled Node ${node.join('.')}`);
});

test('systemd-analyze verify accepts the installed unit', {skip: blocked || (sh('which', ['systemd-analyze']).status !== 0 && 'no systemd-analyze')}, () => {
    const verify = sh('systemd-analyze', ['verify', UNIT]);
    assert.equal(verify.status, 0, verify.stderr);
});

/** A free loopback port for the bridge (others run tests on this machine too). */
function freePort() {
    return new Promise((ok) => {
        const srv = createServer().listen(0, '127.0.0.1', () => {
            const {port} = srv.address();
            srv.close(() => ok(port));
        });
    });
}

/** A Mattermost-shaped installation owned by mattermost:mattermost, its files 0600 as Mattermost writes them. */
async function generateInstallation() {
    const require = createRequire(join(root, 'server/dist/'));
    const {generateDatabase, dropGeneratedDatabase} = require('./demo/generate-database.js');
    const {generateConfigDir} = require('./demo/generate-config-dir.js');
    const {generateFileStore} = require('./demo/generate-file-store.js');
    const server = {host: '127.0.0.1', port: 5432, user: 'postgres'};
    const database = `mmbackup_deb_${process.pid}_${Date.now() % 1e6}`;
    const db = await generateDatabase({driver: 'postgres', connection: server, database, posts: 60, users: 5, seed: 3, fullTextIndex: false});
    const dir = await mkdtemp(join(tmpdir(), 'mmbackup-deb-mm-'));
    const {configFile} = await generateConfigDir(join(dir, 'config'), {dataSource: db.dataSource});
    await generateFileStore(join(dir, 'data'), db.files, {seed: 3});
    const uid = Number(sh('id', ['-u', 'mattermost']).stdout);
    const gid = Number(sh('id', ['-g', 'mattermost']).stdout);
    for (const rel of ['', ...(await readdir(dir, {recursive: true}))]) {
        const path = join(dir, rel);
        await chown(path, uid, gid);
        await chmod(path, (await stat(path)).isDirectory() ? 0o750 : 0o600);
    }
    return {dir, configFile, drop: async () => {
        await dropGeneratedDatabase('postgres', server, database).catch(() => {});
        await rm(dir, {recursive: true, force: true});
    }};
}

test('mmbackup init and a backup run as mmbackup; the mattermost user cannot read the env file, key or repository', {skip: blocked}, async () => {
    installation = await generateInstallation();
    const port = await freePort();
    const env = await readFile(ENV_FILE, 'utf8');
    await writeFile(ENV_FILE, `${env.replace(/^MM_CONFIG=.*$/m, `MM_CONFIG=${installation.configFile}`)}\nMMBACKUP_LISTEN=127.0.0.1:${port}\n`);

    // As root, as an admin types it: the wrapper runs it as mmbackup, so the files are the service's.
    const init = sh('/usr/bin/mmbackup', ['init'], {cwd: '/root'});
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stdout, new RegExp(`key file was written to ${KEY}`));
    const uid = Number(sh('id', ['-u', 'mmbackup']).stdout);
    assert.equal((await stat(KEY)).uid, uid);
    assert.equal((await stat(KEY)).mode & 0o777, 0o600);
    assert.ok((await readdir(REPO)).length > 0, 'init wrote the repository');

    // Mattermost's files are 0600: the service user reads them through its one capability, not as owner.
    assert.notEqual(as('mmbackup', 'cat', [installation.configFile]).status, 0, 'config.json is 0600: plain mmbackup must not read it');
    const backup = sh('/usr/bin/mmbackup', ['backup', '--json'], {cwd: '/'});
    assert.equal(backup.status, 0, backup.stderr);
    assert.match(JSON.parse(backup.stdout).snapshot?.id ?? '', /^[0-9a-f]{16}$/, backup.stdout);
    const list = sh('/usr/bin/mmbackup', ['list', '--json']);
    assert.equal(JSON.parse(list.stdout).length, 1, list.stdout);

    for (const [cmd, args] of [['cat', [ENV_FILE]], ['cat', [KEY]], ['ls', [REPO]], ['ls', [STATE]]]) {
        const r = as('mattermost', cmd, args);
        assert.notEqual(r.status, 0, `mattermost could run ${cmd} ${args}`);
        assert.match(r.stderr, /Permission denied/);
    }
    installation.port = port;
});

test('a restore run by root hands what it wrote into the repository back to mmbackup', {skip: blocked}, async () => {
    assert.ok(installation?.port, 'needs the installation of the previous test');
    // Restore keeps root's identity (it replaces Mattermost's files) and writes a safety snapshot first.
    const restore = sh('/usr/bin/mmbackup', ['restore', 'latest', '--yes'], {cwd: '/'});
    assert.equal(restore.status, 0, restore.stderr);
    assert.match(restore.stdout + restore.stderr, /saved as snapshot [0-9a-f]{16}/);
    const foreign = sh('find', [STATE, '(', '!', '-user', 'mmbackup', '-o', '!', '-group', 'mmbackup', ')', '-print']).stdout.trim();
    assert.equal(foreign, '', 'files in the state dir not owned by mmbackup');
    // The service user can still write everywhere in it: another backup, as mmbackup, succeeds.
    const backup = sh('/usr/bin/mmbackup', ['backup', '--json'], {cwd: '/'});
    assert.equal(backup.status, 0, backup.stderr);
    assert.equal(JSON.parse(sh('/usr/bin/mmbackup', ['list', '--json']).stdout).length, 3);
});

test('the unit\'s ExecStart, run as the unit runs it, answers /healthz as user mmbackup', {skip: blocked}, async () => {
    assert.ok(installation?.port, 'needs the installation of the previous test');
    const unit = parseUnit(await readFile(UNIT, 'utf8'));
    const env = parseEnvironmentFile(await readFile(unit.Service.EnvironmentFile[0], 'utf8'));
    const {args, umask} = setprivArgs(unit);
    const previousUmask = process.umask(umask);
    const child = spawn('setpriv', args, {
        cwd: unit.Service.WorkingDirectory[0],
        // systemd's environment for a service: its own PATH and the User= variables, then EnvironmentFile=.
        env: {PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: STATE, USER: 'mmbackup', LOGNAME: 'mmbackup', ...env},
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    process.umask(previousUmask);
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d) => {
        output += d;
        stdout += d;
    });
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((ok) => child.on('exit', (code, signal) => ok({code, signal})));
    try {
        let health;
        for (let i = 0; i < 150 && !health; i++) {
            await new Promise((ok) => setTimeout(ok, 200));
            health = await fetch(`http://127.0.0.1:${installation.port}/healthz`).then((r) => r.json()).catch(() => undefined);
            assert.equal(child.exitCode, null, `the bridge exited: ${output}`);
        }
        assert.deepEqual(health, {status: 'ok'}, output);
        const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
        assert.match(status, new RegExp(`^Uid:\\s+${sh('id', ['-u', 'mmbackup']).stdout.trim()}\\s`, 'm'));
        assert.match(status, /^CapEff:\s+0000000000000004$/m, 'CAP_DAC_READ_SEARCH only');
        assert.match(status, /^NoNewPrivs:\s+1$/m);
        // The journal gets structured lines: one JSON object each, and job logs go to the state dir. The
        // server may answer before its first line has come through the pipe.
        for (let i = 0; i < 50 && !stdout.includes('bridge listening'); i++) await new Promise((ok) => setTimeout(ok, 100));
        const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
        assert.ok(lines.some((l) => /^bridge listening on http:\/\/127\.0\.0\.1:\d+; .*job logs kept in \/var\/lib\/mmbackup\/state\/jobs/.test(l.msg)), stdout);
        assert.ok(lines.every((l) => typeof l.time === 'string' && ['info', 'warn', 'error'].includes(l.level)), stdout);
    } finally {
        child.kill('SIGTERM');
        const {code, signal} = await exited;
        assert.ok(code === 0 || signal === 'SIGTERM', `stopped with ${code ?? signal}: ${output}`);
    }
});

const sha = async (path) => createHash('sha256').update(await readFile(path)).digest('hex');

test('upgrade keeps the edited environment file, the key and the repository; remove and purge keep the repository', {skip: blocked}, async () => {
    const key = await sha(KEY);
    const env = await readFile(ENV_FILE, 'utf8');
    const objects = (await readdir(REPO, {recursive: true})).sort();

    const upgrade = sh('dpkg', ['-i', deb]);
    assert.equal(upgrade.status, 0, upgrade.stderr);
    assert.equal(await readFile(ENV_FILE, 'utf8'), env, 'the edited conffile was replaced');
    assert.equal((await stat(ENV_FILE)).mode & 0o777, 0o600);
    assert.equal(await sha(KEY), key);

    const remove = sh('dpkg', ['--remove', PACKAGE]);
    assert.equal(remove.status, 0, remove.stderr);
    assert.ok(!existsSync('/usr/bin/mmbackup') && !existsSync('/opt/mmbackup/server'), 'the program is gone');
    assert.equal(await readFile(ENV_FILE, 'utf8'), env, 'remove keeps the configuration');

    const purge = sh('dpkg', ['--purge', PACKAGE]);
    assert.equal(purge.status, 0, purge.stderr);
    assert.ok(!existsSync(ENV_FILE), 'purge removes the configuration');
    assert.equal(await sha(KEY), key, 'purge keeps the key');
    assert.deepEqual((await readdir(REPO, {recursive: true})).sort(), objects, 'purge keeps the repository');
    assert.ok(exists('passwd', 'mmbackup'), 'purge keeps the user owning the repository');
});
