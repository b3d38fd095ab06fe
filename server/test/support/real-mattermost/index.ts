/**
 * A real Mattermost server for integration tests: the pinned build from build/ensure-mattermost.sh, on a free
 * loopback port, with a fresh PostgreSQL database and everything else in one temp dir. The first user created
 * is the system admin, as on a new installation; a team exists for slash commands and channels.
 *
 *   const mm = await startMattermost();
 *   try { ... mm.url, mm.admin.token, await mm.createUser() ... } finally { await mm.stop(); }
 *
 * The first start on an empty database runs all of Mattermost's migrations: allow a minute or more (see
 * MATTERMOST_START_TIMEOUT_MS) in the hook that starts it.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as api from './api';
import { mattermostInstall } from './binary';
import { type ConfigOverrides, mergeConfig, testConfig, writeConfig } from './config';
import { createDatabase, dataSourceFor, dropDatabase } from './database';
import { freePort } from '../../../src/common/free-port';
import { logFileIn, type ServerProcess, startServerProcess, stopServerProcess, waitForPing } from './process';

export type { LoginSession, MattermostUser, RequestOptions } from './api';
export { MattermostApiError } from './api';
export { databaseExists } from './database';
export { mattermostInstall, pinnedMattermostVersion } from './binary';

/** How long startMattermost waits for the API by default (migrations on an empty database, on a busy machine). */
export const MATTERMOST_START_TIMEOUT_MS = 240000;

export interface StartMattermostOptions {
  /** Sections of config.json merged over the test defaults, e.g. { ServiceSettings: { EnableCommands: true } }. */
  config?: ConfigOverrides;
  startTimeoutMs?: number;
}

export interface RealMattermost {
  /** http://127.0.0.1:<port>, also its SiteURL. */
  url: string;
  version: string;
  pid: number;
  configFile: string;
  /** FileSettings.Directory. */
  dataDir: string;
  /** The temp dir holding config, data, plugins and logs. */
  root: string;
  /** The PostgreSQL database's name (127.0.0.1:5432, user postgres). */
  database: string;
  admin: api.MattermostUser;
  team: { id: string; name: string };
  /** A new user who is not an admin, member of `team`. */
  createUser(): Promise<api.MattermostUser>;
  /** Logs in as a browser does: the token and the MMAUTHTOKEN/MMCSRF cookies. */
  login(username: string, password: string): Promise<api.LoginSession>;
  /** POST /api/v4/plugins with force=true, as the admin. */
  uploadPlugin(bundlePath: string): Promise<{ id: string; version: string }>;
  enablePlugin(id: string): Promise<void>;
  /** Any API call; `token` defaults to the admin's (pass token: '' for none). */
  request<T = unknown>(method: string, apiPath: string, options?: api.RequestOptions): Promise<{ response: Response; body: T }>;
  logTail(lines?: number): string;
  /** Stops the server (SIGTERM, SIGKILL after 20 s), drops the database, removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startMattermost(options: StartMattermostOptions = {}): Promise<RealMattermost> {
  const install = mattermostInstall();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-mattermost-'));
  const paths = { root, dataDir: path.join(root, 'data'), pluginDir: path.join(root, 'plugins'), clientPluginDir: path.join(root, 'client-plugins'), logDir: path.join(root, 'logs') };
  for (const dir of [paths.dataDir, paths.pluginDir, paths.clientPluginDir, paths.logDir]) await fs.mkdir(dir);
  const cleanups: Array<() => Promise<void>> = [() => fs.rm(root, { recursive: true, force: true })];
  let server: ServerProcess | undefined;
  const killOnExit = () => server?.child.kill('SIGKILL');
  const stop = async () => {
    process.off('exit', killOnExit);
    const failures: unknown[] = [];
    if (server) await stopServerProcess(server).catch((err) => failures.push(err));
    // Each cleanup runs even when one before it failed, and none hides another's failure.
    while (cleanups.length > 0) await cleanups.pop()!().catch((err) => failures.push(err));
    if (failures.length > 0) throw new AggregateError(failures, `stopping the test Mattermost left ${failures.length} problem(s): ${failures.map((f) => (f as Error).message).join('; ')}`);
  };
  try {
    const database = await createDatabase();
    cleanups.push(() => dropDatabase(database));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const configFile = path.join(root, 'config.json');
    await writeConfig(configFile, mergeConfig(testConfig(url, port, dataSourceFor(database), paths), options.config));
    server = startServerProcess(install, configFile, root, logFileIn(paths.logDir));
    process.once('exit', killOnExit); // never leave a server behind, even when a test forgets stop()
    await waitForPing(server, url, options.startTimeoutMs ?? MATTERMOST_START_TIMEOUT_MS);
    const admin = await api.createUser(url, 'sysadmin');
    const team = await api.createTeam(url, admin.token);
    const running = server;
    return {
      url,
      version: install.version,
      pid: running.child.pid!,
      configFile,
      dataDir: paths.dataDir,
      root,
      database,
      admin,
      team,
      async createUser() {
        const user = await api.createUser(url, 'user', admin.token);
        await api.addToTeam(url, admin.token, team.id, user.id);
        return user;
      },
      login: (username, password) => api.login(url, username, password),
      uploadPlugin: (bundlePath) => api.uploadPlugin(url, admin.token, bundlePath),
      enablePlugin: (id) => api.enablePlugin(url, admin.token, id),
      request: (method, apiPath, requestOptions = {}) => api.apiRequest(url, method, apiPath, { token: admin.token, ...requestOptions }),
      logTail: (lines) => running.logTail(lines),
      stop,
    };
  } catch (err) {
    await stop().catch((cleanupErr) => console.error(`cleanup after a failed Mattermost start: ${(cleanupErr as Error).message}`));
    throw err;
  }
}
