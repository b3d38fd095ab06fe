/**
 * `mmbackup serve` as its own process, as it runs beside Mattermost: the built CLI (server/bin/mmbackup) with a
 * minimal environment, listening on a loopback port, reading Mattermost's config file (where the plugin saved
 * the shared secret). Its output is kept for failure messages; stop() ends it for sure.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';

export const SERVER_DIR = path.join(__dirname, '..', '..');
const CLI = path.join(SERVER_DIR, 'bin', 'mmbackup');

export interface BridgeOptions {
  /** A loopback port, or `unix:/path` for a socket (MMBACKUP_LISTEN). */
  listen: number | string;
  mattermostConfig: string;
  repo: string;
  passphraseFile: string;
  /** Extra variables: MM_* overrides, MMBACKUP_BRIDGE_SECRET. */
  env?: Record<string, string>;
}

export interface BridgeProcess {
  /** What the plugin's Bridge URL setting names: http://127.0.0.1:<port> or unix:/path. */
  url: string;
  output(): string;
  stop(): Promise<void>;
}

function baseEnv(root: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, LANG: 'C.UTF-8' };
}

/** `mmbackup init`: a new repository with the passphrase in `passphraseFile`. */
export function initRepository(repo: string, passphraseFile: string, root: string): void {
  const run = spawnSync(process.execPath, [CLI, 'init', '--repo', repo, '--passphrase-file', passphraseFile], { env: baseEnv(root), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`mmbackup init exited ${run.status}: ${run.stderr}`);
}

/** GET /healthz over TCP or the unix socket; true when it answers 200. */
function healthy(listen: string): Promise<boolean> {
  const target = listen.startsWith('unix:') ? { socketPath: listen.slice('unix:'.length) } : { host: '127.0.0.1', port: Number(listen.split(':')[1]) };
  return new Promise((resolve) => {
    const req = http.get({ ...target, path: '/healthz', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

export async function startBridge(options: BridgeOptions): Promise<BridgeProcess> {
  const listen = typeof options.listen === 'number' ? `127.0.0.1:${options.listen}` : options.listen;
  const url = typeof options.listen === 'number' ? `http://${listen}` : listen;
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'serve', '--mattermost-config', options.mattermostConfig, '--repo', options.repo, '--passphrase-file', options.passphraseFile],
    { env: { ...baseEnv(path.dirname(options.repo)), MMBACKUP_LISTEN: listen, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mmbackup serve exited ${child.exitCode}:\n${output}`);
    if (await healthy(listen)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mmbackup serve did not answer /healthz on ${url} within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, output: () => output, stop };
}
