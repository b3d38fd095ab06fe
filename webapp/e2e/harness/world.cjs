// Everything the browser tests run against, all real and all on loopback:
//   a Mattermost-shaped installation (generated PostgreSQL database, config.json, file store: server/test/support),
//   a repository made by `mmbackup init` with a first `mmbackup backup`,
//   the OpenAPI-checked Mattermost test server with a system admin (the browser's session) and the bot,
//   `mmbackup serve` as a child process, and the host server that stands in for Mattermost's origin.
// stop() undoes all of it: processes, servers, the database and every temp dir.
'use strict';
require('./ts-require.cjs');

const {randomBytes} = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const {BridgeProcess, REPO_ROOT, runCli} = require('./bridge.cjs');
const {startHostServer} = require('./host-server.cjs');
const {buildHostBundle} = require('../host/build.cjs');
const {createInstallation, DB_PASSWORD} = require(path.join(REPO_ROOT, 'server/test/support/installation'));
const {startMattermostTestServer} = require(path.join(REPO_ROOT, 'server/test/support/mattermost/server'));
const {userJson} = require(path.join(REPO_ROOT, 'server/test/support/mattermost/state'));

const MANIFEST = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'plugin.json'), 'utf8'));
const PLUGIN_BUNDLE = path.join(REPO_ROOT, 'webapp/dist/main.js');
const HOST_STATIC = path.join(__dirname, '../host/static');

/** What Mattermost's GET /api/v4/config shows instead of a secret value. */
const FAKE_SETTING = '********************************';
const SERVER_VERSION = '10.5.0';

function readJson(file) {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function writeJson(file, value) {
    fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

/** Every setting of settings_schema: the flat list and those in sections. */
function manifestSettings() {
    const schema = MANIFEST.settings_schema ?? {};
    return [...(schema.settings ?? []), ...(schema.sections ?? []).flatMap((section) => section.settings ?? [])];
}

/** The plugin's defaults with lower-case keys, as Mattermost writes them into PluginSettings.Plugins. */
function defaultPluginSettings() {
    return Object.fromEntries(manifestSettings()
        .filter((s) => s.default !== undefined)
        .map((s) => [s.key.toLowerCase(), s.default]));
}

function secretKeys() {
    return new Set(manifestSettings().filter((s) => s.secret).map((s) => s.key.toLowerCase()));
}

function sanitized(section) {
    const secrets = secretKeys();
    return Object.fromEntries(Object.entries(section).map(([k, v]) => [k, secrets.has(k.toLowerCase()) && v ? FAKE_SETTING : v]));
}

async function startWorld({outDir, extraFiles = 60}) {
    const undo = [];
    const world = {outDir, undo};
    try {
        await setUp(world, extraFiles);
        return world;
    } catch (err) {
        await stopWorld(world);
        throw err;
    }
}

async function setUp(world, extraFiles) {
    const {undo} = world;
    const hostBundleDir = path.join(world.outDir, 'host');
    await buildHostBundle(hostBundleDir);

    const inst = await createInstallation('postgres', {extraFiles});
    undo.push(() => inst.cleanup());
    const mm = await startMattermostTestServer();
    undo.push(() => mm.stop());
    const admin = mm.state.addUser({username: 'sysadmin', roles: 'system_user system_admin'});
    const bot = mm.state.addBot({username: 'backup-bot', permissions: ['manage_slash_commands', 'manage_system']});
    const team = mm.state.addTeam('ops');
    mm.state.addTeamMember(team.id, bot.user.id);
    mm.state.addChannel(team.id, 'backups');

    let bridge = null;
    const host = await startHostServer({
        pluginId: MANIFEST.id,
        pluginBundle: PLUGIN_BUNDLE,
        hostBundleDir,
        hostStaticDir: HOST_STATIC,
        bridgeUrl: () => (bridge?.running ? bridge.url : null),
        mattermostUrl: mm.url,
        pageState: () => pageState(world),
        savePluginSettings: (section) => savePluginSettings(world, section),
    });
    undo.push(() => host.stop());

    const originalDataSource = readJson(inst.configFile).SqlSettings.DataSource;
    editConfig(inst.configFile, (config) => {
        config.ServiceSettings.SiteURL = host.url;

        // Lets Mattermost call /backup on the bridge's loopback address, as docs/install.md tells admins to.
        config.ServiceSettings.AllowedUntrustedInternalConnections = '127.0.0.1';
        config.PluginSettings.Enable = true;
        config.PluginSettings.PluginStates = {...config.PluginSettings.PluginStates, [MANIFEST.id]: {Enable: true}};
        config.PluginSettings.Plugins = {...config.PluginSettings.Plugins, [MANIFEST.id]: {...defaultPluginSettings(), opsteam: 'ops', opschannel: 'backups'}};
    });
    await runCli(['init', ...inst.args]);
    // The first backup leaves the file store out, so the one the tests start has real work to show progress on.
    await runCli(['backup', '--only', 'db,config', ...inst.args]);

    bridge = new BridgeProcess({
        globalArgs: inst.args,
        env: {
            MMBACKUP_BOT_TOKEN: bot.token,
            MMBACKUP_LISTEN: '127.0.0.1:0',
            MMBACKUP_SITE_URL: mm.url,
            MMBACKUP_SLASH_URL: `${host.url}/backup-dr/api/v1/slash`,
        },
    });
    undo.push(() => bridge.stop());
    await bridge.start();

    Object.assign(world, {
        inst, mm, host, admin, bot,
        csrf: randomBytes(13).toString('hex'),
        get bridge() {
            return bridge;
        },
        originalDataSource,
        hostUrl: host.url,
        consolePath: `/admin_console/plugins/plugin_${MANIFEST.id}`,
        dbPassword: DB_PASSWORD,
    });
}

function editConfig(file, change) {
    const config = readJson(file);
    change(config);
    writeJson(file, config);
}

/** The store's starting contents: what Mattermost's webapp has loaded when an admin opens the plugin's page. */
function pageState(world) {
    const config = readJson(world.inst.configFile);
    const adminConfig = {
        ServiceSettings: {SiteURL: world.host.url},
        PluginSettings: {
            Enable: true,
            EnableUploads: true,
            Plugins: {[MANIFEST.id]: sanitized(config.PluginSettings.Plugins[MANIFEST.id] ?? {})},
            PluginStates: {[MANIFEST.id]: {Enable: true}},
        },
    };
    const user = userJson(world.admin.user);
    return {
        manifest: MANIFEST,
        bundleUrl: `/static/plugins/${MANIFEST.id}/${MANIFEST.id}_bundle.js`,
        entities: {
            general: {
                config: {SiteURL: world.host.url, Version: SERVER_VERSION, BuildNumber: SERVER_VERSION, PluginsEnabled: 'true', DiagnosticsEnabled: 'false'},
                license: {IsLicensed: 'false'},
                serverVersion: SERVER_VERSION,
            },
            admin: {
                config: adminConfig,
                environmentConfig: {},
                plugins: {[MANIFEST.id]: {...MANIFEST, active: true}},
                pluginStatuses: {[MANIFEST.id]: {plugin_id: MANIFEST.id, name: MANIFEST.name, version: MANIFEST.version, state: 2, is_prepackaged: false}},
            },
            users: {currentUserId: user.id, profiles: {[user.id]: user}},
            roles: {roles: {system_admin: {name: 'system_admin', permissions: ['manage_system', 'sysconsole_write_plugins', 'sysconsole_read_plugins']}}},
        },
    };
}

/** Save in the console: the plugin's section replaces the one in config.json; a secret left masked keeps its value. */
async function savePluginSettings(world, section) {
    editConfig(world.inst.configFile, (config) => {
        const previous = config.PluginSettings.Plugins[MANIFEST.id] ?? {};
        const next = Object.fromEntries(Object.entries(section).map(([k, v]) => [k, v === FAKE_SETTING ? previous[k] : v]));
        config.PluginSettings.Plugins[MANIFEST.id] = next;
    });
}

/** Points Mattermost's DataSource at a closed port: the bridge's next job cannot reach the database. */
function breakDatabase(world) {
    editConfig(world.inst.configFile, (config) => {
        config.SqlSettings.DataSource = `postgres://postgres:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:1/nowhere?sslmode=disable`;
    });
}

function restoreDatabase(world) {
    editConfig(world.inst.configFile, (config) => {
        config.SqlSettings.DataSource = world.originalDataSource;
    });
}

/** A call to the bridge's API as the admin, straight to the bridge (not through the host). */
async function bridgeApi(world, endpoint) {
    const response = await fetch(`${world.bridge.url}/api/v1/${endpoint}`, {headers: {Authorization: `Bearer ${world.admin.token}`}});
    if (!response.ok) {
        throw new Error(`GET /api/v1/${endpoint} → ${response.status}: ${await response.text()}`);
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

module.exports = {startWorld, stopWorld, breakDatabase, restoreDatabase, bridgeApi, MANIFEST};
