// Everything the browser tests run against, all real and all on loopback:
//   a real Mattermost server (server/test/support/real-mattermost: the pinned build, a fresh PostgreSQL
//   database, the first user as system admin) with this plugin's bundle (built as `make dist` builds it)
//   uploaded and enabled, so
//   its Go part forwards the console's requests to the bridge and relays job events over the websocket;
//   a file store with a few hundred MiB in it, so a backup runs long enough to watch;
//   a repository made by `mmbackup init` with a first `mmbackup backup` of that Mattermost;
//   `mmbackup serve` as a child process, reading Mattermost's own config.json (where the plugin saved the
//   secret they share) and listening where the plugin's Bridge URL points;
//   and the host server that stands in for Mattermost's webapp origin (Mattermost's webapp cannot be built here).
// stop() undoes all of it: processes, servers, the database and every temp dir.
'use strict';
require('./ts-require.cjs');

const {spawnSync} = require('node:child_process');
const {randomBytes} = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const {BridgeProcess, REPO_ROOT, runCli} = require('./bridge.cjs');
const {startHostServer} = require('./host-server.cjs');
const {buildHostBundle} = require('../host/build.cjs');
const {startMattermost, MATTERMOST_START_TIMEOUT_MS} = require(path.join(REPO_ROOT, 'server/test/support/real-mattermost'));
const {freePort} = require(path.join(REPO_ROOT, 'server/src/common/free-port'));

const MANIFEST = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'plugin.json'), 'utf8'));
const PLUGIN_BUNDLE = path.join(REPO_ROOT, 'webapp/dist/main.js');
const HOST_STATIC = path.join(__dirname, '../host/static');
const MiB = 1024 * 1024;

async function startWorld({outDir, fileStoreMiB = 300}) {
    const undo = [];
    const world = {outDir, undo};
    try {
        await setUp(world, fileStoreMiB);
        return world;
    } catch (err) {
        await stopWorld(world);
        throw err;
    }
}

/** The bundle `make dist` makes, from the current sources (the Go part from Go's build cache when unchanged). */
function buildPluginTarball(outDir) {
    for (const args of [['build/plugin-server.mjs'], ['build/bundle.mjs', '--out', outDir]]) {
        const run = spawnSync(process.execPath, args, {cwd: REPO_ROOT, encoding: 'utf8'});
        if (run.status !== 0) {
            throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr || run.stdout}`);
        }
    }
    return path.join(outDir, `${MANIFEST.id}-${MANIFEST.version}.tar.gz`);
}

async function setUp(world, fileStoreMiB) {
    const {undo} = world;
    const hostBundleDir = path.join(world.outDir, 'host');
    await buildHostBundle(hostBundleDir);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-dr-e2e-'));
    undo.push(() => fs.rmSync(work, {recursive: true, force: true}));
    const tarball = buildPluginTarball(path.join(work, 'dist'));

    const bridgePort = await freePort();
    const mm = await startMattermost({
        startTimeoutMs: MATTERMOST_START_TIMEOUT_MS,
        config: {
            // As an admin would set them in the System Console (Mattermost keeps plugin setting keys lower-cased):
            // where the bridge listens, and no scheduled run during the tests.
            PluginSettings: {Plugins: {[MANIFEST.id]: {bridgeurl: `http://127.0.0.1:${bridgePort}`, backupschedule: '0 3 1 1 *', drillschedule: ''}}},
        },
    });
    undo.push(() => mm.stop());
    fillFileStore(mm.dataDir, fileStoreMiB);

    const uploaded = await mm.uploadPlugin(tarball);
    if (uploaded.id !== MANIFEST.id) {
        throw new Error(`uploading ${tarball} installed "${uploaded.id}", not ${MANIFEST.id}`);
    }
    await mm.enablePlugin(MANIFEST.id);
    await until('the plugin to save the generated bridge secret in config.json', () => pluginConfig(mm).bridgesecret, 60_000, 250);

    const repo = path.join(work, 'repository');
    const passphraseFile = path.join(work, 'passphrase');
    fs.writeFileSync(passphraseFile, `${randomBytes(18).toString('base64url')}\n`, {mode: 0o600});
    const globalArgs = ['--mattermost-config', mm.configFile, '--repo', repo, '--passphrase-file', passphraseFile];
    await runCli(['init', ...globalArgs]);
    // The first backup leaves the file store out, so the one the tests start has real work to show progress on.
    await runCli(['backup', '--only', 'db,config', ...globalArgs]);

    const session = await mm.login(mm.admin.username, mm.admin.password);
    Object.assign(world, {mm, session, globalArgs, bridgePort, bridge: null});
    await startBridge(world);
    undo.push(() => world.bridge?.stop());

    const host = await startHostServer({
        pluginId: MANIFEST.id,
        pluginBundle: PLUGIN_BUNDLE,
        hostBundleDir,
        hostStaticDir: HOST_STATIC,
        mattermostUrl: mm.url,
        pageState: () => pageState(world),
        savePluginSettings: (section) => savePluginSettings(world, section),
    });
    undo.push(() => host.stop());

    Object.assign(world, {
        host,
        hostUrl: host.url,
        admin: {token: session.token, csrf: session.csrfToken, userId: session.userId},
        consolePath: `/admin_console/plugins/plugin_${MANIFEST.id}`,
    });
}

/** Starts `mmbackup serve` on the port the plugin's Bridge URL names; `env` adds or overrides variables. */
async function startBridge(world, env = {}) {
    await world.bridge?.stop();
    world.bridge = new BridgeProcess({globalArgs: world.globalArgs, env: {MMBACKUP_LISTEN: `127.0.0.1:${world.bridgePort}`, ...env}});
    await world.bridge.start();
    return world.bridge;
}

/** Incompressible files in Mattermost's file store, laid out as Mattermost stores uploads. */
function fillFileStore(dataDir, mib) {
    const dir = path.join(dataDir, '20260101', 'teams', 'noteam', 'channels', 'e2e', 'users', 'e2e');
    for (let i = 0; i < mib; i++) {
        const fileDir = path.join(dir, `file${String(i).padStart(4, '0')}`);
        fs.mkdirSync(fileDir, {recursive: true});
        fs.writeFileSync(path.join(fileDir, 'upload.bin'), randomBytes(MiB));
    }
}

function pluginConfig(mm) {
    const config = JSON.parse(fs.readFileSync(mm.configFile, 'utf8'));
    return config.PluginSettings?.Plugins?.[MANIFEST.id] ?? {};
}

/** Polls `check` until it returns something truthy; the test file waits on the page with it too. */
async function until(what, check, timeoutMs = 30_000, everyMs = 150) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await check();
        if (value) {
            return value;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
}

/**
 * The store's starting contents: what Mattermost's webapp has loaded when an admin opens the plugin's page,
 * read from the real server (its admin config, secret values masked by Mattermost itself).
 */
async function pageState(world) {
    const {mm, session} = world;
    const {body: config} = await mm.request('GET', '/api/v4/config');
    const {body: me} = await mm.request('GET', '/api/v4/users/me', {token: session.token});
    const {body: client} = await mm.request('GET', '/api/v4/config/client?format=old');
    return {
        manifest: MANIFEST,
        bundleUrl: `/static/plugins/${MANIFEST.id}/${MANIFEST.id}_bundle.js`,
        entities: {
            general: {
                config: client,
                license: {IsLicensed: 'false'},
                serverVersion: client.Version,
            },
            admin: {
                config,
                environmentConfig: {},
                plugins: {[MANIFEST.id]: {...MANIFEST, active: true}},
                pluginStatuses: {[MANIFEST.id]: {plugin_id: MANIFEST.id, name: MANIFEST.name, version: MANIFEST.version, state: 2, is_prepackaged: false}},
            },
            users: {currentUserId: me.id, profiles: {[me.id]: me}},
            roles: {roles: {system_admin: {name: 'system_admin', permissions: ['manage_system', 'sysconsole_write_plugins', 'sysconsole_read_plugins']}}},
        },
    };
}

/** Save in the console: the plugin's section into Mattermost's config, through its API as the webapp saves it. */
async function savePluginSettings(world, section) {
    const {mm} = world;
    const {body: config} = await mm.request('GET', '/api/v4/config');
    config.PluginSettings.Plugins[MANIFEST.id] = section;
    await mm.request('PUT', '/api/v4/config', {json: config});
}

/** A call to the bridge's API as a script on the host makes it: the plugin's route, the admin's token. */
async function bridgeApi(world, endpoint) {
    const response = await fetch(`${world.mm.url}/plugins/${MANIFEST.id}/api/v1/${endpoint}`, {headers: {Authorization: `Bearer ${world.admin.token}`}});
    if (!response.ok) {
        throw new Error(`GET /plugins/${MANIFEST.id}/api/v1/${endpoint} → ${response.status}: ${await response.text()}`);
    }
    return response.json();
}

/** Undoes setUp in reverse; every step runs even when one fails, and the first failure is reported. */
async function stopWorld(world) {
    let first = null;
    for (const step of world.undo.splice(0).reverse()) {
        try {
            await step();
        } catch (err) {
            first ??= err;
        }
    }
    if (first) {
        throw first;
    }
}

module.exports = {startWorld, stopWorld, startBridge, bridgeApi, until, MANIFEST};
