/**
 * A Mattermost install as an admin has one: `<root>/bin/mattermost` (the pinned build from
 * build/ensure-mattermost.sh, linked in with its i18n/, templates/ and fonts/), `config/config.json`,
 * `data/`, `plugins/` and `client/plugins/`, with the default relative paths, run from `<root>`; its own
 * PostgreSQL database. Started and stopped through the engine's own launcher (src/mattermost/server-process),
 * the one drills use; every boot is timed.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../../src/common/free-port';
import { startMattermost, type RunningMattermost } from '../../../src/mattermost/server-process';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

/** The built Mattermost (building it the first time: several minutes). */
export function mattermostBuild(): string {
  return execFileSync(path.join(REPO_ROOT, 'build/ensure-mattermost.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60_000 }).trim();
}

export interface TestServer {
  root: string;
  database: string;
  dataSource: string;
  /** config.json's path, or the config database DSN when the config lives in the database. */
  config: string;
  port: number;
  running?: RunningMattermost;
  boots: Array<{ label: string; ms: number }>;
}

export function dataSourceFor(database: string): string {
  return `postgres://postgres@127.0.0.1:5432/${database}?sslmode=disable&connect_timeout=10`;
}

export async function adminQuery<T = any>(sql: string, database = 'postgres'): Promise<T[]> {
  const client = new Client({ ...PG, database });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

export function uniqueDatabase(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** An install dir at `root` linked to the build: what a new server looks like before any data is on it. */
export async function makeInstallDir(root: string, build: string): Promise<void> {
  await fs.mkdir(path.join(root, 'bin'), { recursive: true });
  await fs.mkdir(path.join(root, 'config'), { recursive: true });
  await fs.mkdir(path.join(root, 'client'), { recursive: true }); // the release tarball's webapp dir: Mattermost makes client/plugins in it
  await fs.symlink(path.join(build, 'bin', 'mattermost'), path.join(root, 'bin', 'mattermost'));
  for (const dir of ['i18n', 'templates', 'fonts']) await fs.symlink(path.join(build, dir), path.join(root, dir));
}

/** The settings a test server starts from; everything else is Mattermost's default. */
export function baseConfig(port: number, dataSource: string): Record<string, Record<string, unknown>> {
  return {
    ServiceSettings: { SiteURL: `http://127.0.0.1:${port}`, ListenAddress: `127.0.0.1:${port}`, EnableSecurityFixAlert: false, EnableLinkPreviews: false, EnableGifPicker: false, EnableLocalMode: false },
    TeamSettings: { EnableOpenServer: false },
    SqlSettings: { DriverName: 'postgres', DataSource: dataSource, AtRestEncryptKey: randomBytes(24).toString('base64url') },
    FileSettings: { DriverName: 'local', Directory: './data/' },
    PluginSettings: { Enable: true, EnableUploads: true, Directory: './plugins', ClientDirectory: './client/plugins', EnableMarketplace: false, EnableRemoteMarketplace: false, AutomaticPrepackagedPlugins: false, RequirePluginSignature: false },
    LogSettings: { EnableConsole: true, ConsoleJson: true, ConsoleLevel: 'INFO', EnableFile: false, EnableDiagnostics: false },
    NotificationLogSettings: { EnableConsole: false, EnableFile: false },
    EmailSettings: { SendEmailNotifications: false, RequireEmailVerification: false, SendPushNotifications: false, PushNotificationServer: '' },
    AnnouncementSettings: { AdminNoticesEnabled: false, UserNoticesEnabled: false },
    MetricsSettings: { Enable: false },
    ClusterSettings: { Enable: false },
    ImageProxySettings: { Enable: false },
    RateLimitSettings: { Enable: false },
  };
}

/**
 * A new server at `root` on a new database. `configInDatabase`: the config lives in the database
 * (`--config postgres://...`), loaded once by `mattermost db init` with the base settings as custom defaults.
 */
export async function newServer(root: string, build: string, prefix: string, configInDatabase = false): Promise<TestServer> {
  await makeInstallDir(root, build);
  const database = uniqueDatabase(prefix);
  await adminQuery(`CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8'`);
  const port = await freePort();
  const dataSource = dataSourceFor(database);
  const config = baseConfig(port, dataSource);
  if (!configInDatabase) {
    const file = path.join(root, 'config', 'config.json');
    await fs.writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
    return { root, database, dataSource, config: file, port, boots: [] };
  }
  const defaults = path.join(root, 'custom-defaults.json');
  await fs.writeFile(defaults, JSON.stringify(config), { mode: 0o600 });
  execFileSync(path.join(root, 'bin', 'mattermost'), ['db', 'init', '--config', dataSource], { cwd: root, env: { PATH: process.env.PATH, HOME: root, MM_CUSTOM_DEFAULTS_PATH: defaults }, stdio: 'pipe', timeout: 5 * 60_000 });
  return { root, database, dataSource, config: dataSource, port, boots: [] };
}

/** Starts it (on its own port: ListenAddress and SiteURL are set by MM_* variables) and records the boot time. */
export async function start(server: TestServer, label: string, env: Record<string, string> = {}): Promise<RunningMattermost> {
  const binary = { path: path.join(server.root, 'bin', 'mattermost'), installDir: server.root };
  server.running = await startMattermost({ binary, config: server.config, port: server.port, env: { HOME: server.root, ...env }, timeoutMs: 300_000 });
  server.boots.push({ label, ms: server.running.bootMs });
  return server.running;
}

export async function stop(server: TestServer | undefined): Promise<void> {
  await server?.running?.stop();
  if (server) server.running = undefined;
}

export async function dropDatabase(database: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}

/**
 * A suite's afterAll: stops its servers, drops its databases, removes its work directory, then prints
 * `timings` (lines the tests noted) and each server's boot times under `title`.
 */
export async function tearDown(suite: { title: string; servers: Array<TestServer | undefined>; databases: string[]; work?: string; timings?: string[] }): Promise<void> {
  for (const server of suite.servers) await stop(server);
  for (const database of suite.databases) await dropDatabase(database).catch(() => undefined);
  if (suite.work) await fs.rm(suite.work, { recursive: true, force: true });
  const boots = suite.servers.flatMap((server) => server?.boots ?? []).map((b) => `${b.label}: ${(b.ms / 1000).toFixed(1)} s`);
  process.stdout.write(`${suite.title}:\n  ${[...(suite.timings ?? []), ...boots].join('\n  ')}\n`);
}
