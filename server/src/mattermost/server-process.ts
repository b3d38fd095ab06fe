/**
 * Runs a Mattermost server binary and waits until it serves: `GET /api/v4/system/ping?get_server_status=true`
 * answering status OK with its database (and file store) OK. Used by drills that boot the restored data and
 * by the disaster-recovery tests. The child gets a clean environment (PATH, HOME and the MM_* variables the
 * caller passes; never ours, which may hold repository secrets), runs in the install dir so it finds its
 * i18n/, templates/ and fonts/, and its last output lines are kept: a server that does not boot is reported
 * with Mattermost's own words.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { MmBackupError } from '../common/errors';
import { redact } from '../common/redact';
import type { MattermostBinary } from './server-binary';

export interface StartOptions {
  binary: Pick<MattermostBinary, 'path' | 'installDir'>;
  /** A config.json path or a config database DSN (passed as --config). */
  config: string;
  /** The loopback port it listens on; set as ListenAddress/SiteURL through MM_* variables unless `env` does. */
  port: number;
  /** Extra MM_* variables (they override the config, as on any Mattermost host). */
  env?: Record<string, string>;
  /** How long to wait for healthy (default 3 minutes: a first start runs the schema migrations). */
  timeoutMs?: number;
}

export interface RunningMattermost {
  url: string;
  pid: number;
  /** From spawn to the first healthy ping. */
  bootMs: number;
  /** Mattermost's last output lines (its JSON log), newest last. */
  logTail(lines?: number): string[];
  /** SIGTERM, then SIGKILL after 20 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

const KEEP_LINES = 200;

export async function startMattermost(options: StartOptions): Promise<RunningMattermost> {
  const url = `http://127.0.0.1:${options.port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    MM_SERVICESETTINGS_LISTENADDRESS: `127.0.0.1:${options.port}`,
    MM_SERVICESETTINGS_SITEURL: url,
    ...options.env,
  };
  const started = Date.now();
  const child = spawn(options.binary.path, ['--config', options.config], { cwd: options.binary.installDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (data: Buffer) => {
    for (const line of data.toString('utf8').split('\n')) if (line.trim()) tail.push(line);
    if (tail.length > KEEP_LINES) tail.splice(0, tail.length - KEEP_LINES);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  const logTail = (lines = 20) => tail.slice(-lines).map((l) => redact(l));
  // Never outlive the process that started it (a drill quit by a second Ctrl-C still takes its server along).
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const stop = () => stopChild(child, exited);
  try {
    await waitHealthy(url, options.timeoutMs ?? 180_000, exited, spawnError, logTail);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid!, bootMs: Date.now() - started, logTail, stop };
}

async function waitHealthy(url: string, timeoutMs: number, exited: Promise<number | null>, spawnError: Promise<Error>, logTail: (n?: number) => string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  let done: { code: number | null } | { error: Error } | undefined;
  void exited.then((code) => (done ??= { code }));
  void spawnError.then((error) => (done ??= { error }));
  while (Date.now() < deadline) {
    if (done) {
      const why = 'error' in done ? `could not be started: ${done.error.message}` : `exited with code ${done.code} before it answered`;
      throw bootFailure(`Mattermost ${why}`, logTail(), 'error' in done ? done.error : undefined);
    }
    try {
      const res = await fetch(`${url}/api/v4/system/ping?get_server_status=true`, { signal: AbortSignal.timeout(5000) });
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (res.ok && body.status === 'OK' && body.database_status === 'OK') return;
      last = `ping answered ${res.status} ${JSON.stringify({ status: body.status, database_status: body.database_status, filestore_status: body.filestore_status })}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw bootFailure(`Mattermost did not become healthy within ${Math.round(timeoutMs / 1000)} s (last: ${last})`, logTail());
}

function bootFailure(message: string, lines: string[], cause?: Error): MmBackupError {
  return new MmBackupError({
    step: 'boot-mattermost',
    code: 'MATTERMOST_DID_NOT_BOOT',
    message: `${message}; its last log lines:\n${lines.map((l) => `    ${l}`).join('\n') || '    (none)'}`,
    fix: "read Mattermost's log lines above: a missing migration, a database it cannot open or a file store it cannot write is named there",
    cause,
  });
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(killer);
}
