/**
 * docs/install.md end to end on this machine: the bridge installed from its .deb (dpkg -i, as root), `mmbackup
 * init`, the service's command started as its unit describes it (user mmbackup, its one capability, the
 * environment file), and a real Mattermost with the `make dist` plugin uploaded and enabled. The plugin
 * generates its secret into Mattermost's config.json (root's, mode 0600, which only the capability lets the
 * bridge read), reaches the bridge, and the console's status through the plugin shows the bridge's start-up
 * backup of that Mattermost; `/backup status` answers. Everything is removed again (package purged, user,
 * state dir). Needs root, dpkg and setpriv; skipped without, or when the package is already installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MATTERMOST_START_TIMEOUT_MS, type RealMattermost, startMattermost } from './support/real-mattermost';
import { freePort } from '../src/common/free-port';

const REPO_ROOT = path.join(__dirname, '..', '..');
const PLUGIN_ID = 'backup-dr';
const ENV_FILE = '/etc/mmbackup/mmbackup.env';
const STATE = '/var/lib/mmbackup';
// The installed command by its path: under npm the workspace's own `mmbackup` comes first on PATH.
const sh = (cmd: string, args: string[], cwd = '/') => spawnSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
const installed = () => sh('dpkg-query', ['-W', '-f=${Status}', 'mmbackup-bridge']).stdout.includes('install ok');
const had = { user: sh('getent', ['passwd', 'mmbackup']).status === 0, state: existsSync(STATE), etc: existsSync('/etc/mmbackup') };
const blocked = process.getuid?.() !== 0 ? 'needs root'
  : installed() || existsSync('/opt/mmbackup') || had.etc ? 'mmbackup-bridge is already on this machine'
    : sh('which', ['dpkg-deb', 'setpriv']).status !== 0 ? 'needs dpkg-deb and setpriv' : undefined;

let work: string;
let mm: RealMattermost | undefined;
let bridge: ChildProcess | undefined;
let output = '';
let port: number;

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nbridge output:\n${output.slice(-3000)}\nMattermost log:\n${mm?.logTail(20)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function node(args: string[]): string {
  const run = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

(blocked ? describe.skip : describe)('the .deb and the plugin on a real Mattermost', () => {
  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-deb-plugin-'));
    node(['build/deb/build-deb.mjs', '--out', path.join(work, 'out')]);
    node(['build/plugin-server.mjs']);
    node(['build/bundle.mjs', '--out', path.join(work, 'dist')]);
    const deb = path.join(work, 'out', (await fs.readdir(path.join(work, 'out'))).find((f) => f.endsWith('.deb'))!);
    const install = sh('dpkg', ['-i', deb]);
    if (install.status !== 0) throw new Error(`dpkg -i: ${install.stderr}`);

    port = await freePort();
    mm = await startMattermost({
      config: { PluginSettings: { Plugins: { [PLUGIN_ID]: { bridgeurl: `http://127.0.0.1:${port}`, backupschedule: '0 3 1 1 *', drillschedule: '' } } } },
    });
    // docs/install.md step 2: the environment file names Mattermost's config.
    const env = await fs.readFile(ENV_FILE, 'utf8');
    await fs.writeFile(ENV_FILE, `${env.replace(/^MM_CONFIG=.*$/m, `MM_CONFIG=${mm.configFile}`)}\nMMBACKUP_LISTEN=127.0.0.1:${port}\n`);
    const init = sh('/usr/bin/mmbackup', ['init']);
    if (init.status !== 0) throw new Error(`mmbackup init: ${init.stderr}`);

    // Step 4, as the unit runs it (no systemd here): build/deb/unit.mjs reads the installed unit.
    const unit = JSON.parse(node(['--input-type=module', '-e', `
      import {readFileSync} from 'node:fs';
      import {parseEnvironmentFile, parseUnit, setprivArgs} from './build/deb/unit.mjs';
      const unit = parseUnit(readFileSync('/usr/lib/systemd/system/mmbackup.service', 'utf8'));
      const env = parseEnvironmentFile(readFileSync(unit.Service.EnvironmentFile[0], 'utf8'));
      process.stdout.write(JSON.stringify({...setprivArgs(unit), env, cwd: unit.Service.WorkingDirectory[0]}));`]));
    const previous = process.umask(unit.umask);
    bridge = spawn('setpriv', unit.args, {
      cwd: unit.cwd, env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: STATE, USER: 'mmbackup', LOGNAME: 'mmbackup', ...unit.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    process.umask(previous);
    bridge.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)));
    bridge.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
    await until('the bridge to answer /healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60_000);

    // Step 5: upload and enable the plugin (the System Console does the same two API calls).
    await mm.uploadPlugin(path.join(work, 'dist', (await fs.readdir(path.join(work, 'dist'))).find((f) => f.endsWith('.tar.gz'))!));
    await mm.enablePlugin(PLUGIN_ID);
  }, MATTERMOST_START_TIMEOUT_MS + 240_000);

  afterAll(async () => {
    if (bridge && bridge.exitCode === null) {
      const exited = new Promise((r) => bridge!.once('exit', r));
      bridge.kill('SIGTERM');
      await exited;
    }
    await mm?.stop();
    if (installed() || sh('dpkg-query', ['-W', 'mmbackup-bridge']).status === 0) sh('dpkg', ['--purge', 'mmbackup-bridge']);
    if (!had.state) await fs.rm(STATE, { recursive: true, force: true });
    if (!had.etc) await fs.rm('/etc/mmbackup', { recursive: true, force: true });
    if (!had.user && sh('getent', ['passwd', 'mmbackup']).status === 0) sh('userdel', ['mmbackup']);
    if (work) await fs.rm(work, { recursive: true, force: true });
  }, 120_000);

  test('the plugin reaches the packaged bridge with the secret it generated; the console shows its backup of this Mattermost', async () => {
    const config = JSON.parse(await fs.readFile(mm!.configFile, 'utf8'));
    const status = await until('the console status through the plugin, with the start-up backup done', async () => {
      const res = await fetch(`${mm!.url}/plugins/${PLUGIN_ID}/api/v1/status`, { headers: { Authorization: `Bearer ${mm!.admin.token}` } });
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as { running: unknown; lastSuccess: { snapshotId: string } | null };
      return body.running === null && body.lastSuccess ? body : undefined;
    }, 180_000);
    expect(status.lastSuccess).toMatchObject({ snapshotId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    // The secret only the plugin knew, generated into a root-only config.json: read by the bridge through its capability.
    expect((await fs.stat(mm!.configFile)).mode & 0o077).toBe(0);
    expect(JSON.parse(await fs.readFile(mm!.configFile, 'utf8')).PluginSettings.Plugins[PLUGIN_ID].bridgesecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(config.PluginSettings.Plugins[PLUGIN_ID].bridgeurl).toBe(`http://127.0.0.1:${port}`);

    // The backup is the service user's: the repository and the job logs belong to mmbackup.
    const foreign = sh('find', [STATE, '(', '!', '-user', 'mmbackup', ')', '-print']).stdout.trim();
    expect(foreign).toBe('');
    expect((await fs.readdir(path.join(STATE, 'state', 'jobs'))).some((f) => f.startsWith('backup-'))).toBe(true);
    const list = sh('/usr/bin/mmbackup', ['list', '--json']);
    expect(JSON.parse(list.stdout)).toHaveLength(1);

    // /backup status in a channel, answered by the bridge through the plugin.
    const { body: channel } = await mm!.request<{ id: string }>('GET', `/api/v4/teams/${mm!.team.id}/channels/name/town-square`);
    const { body: reply } = await mm!.request<{ text?: string }>('POST', '/api/v4/commands/execute', { json: { channel_id: channel.id, team_id: mm!.team.id, command: '/backup status' } });
    expect(reply.text).toContain(`Last good backup: ${status.lastSuccess!.snapshotId}`);
  }, 240_000);
});
