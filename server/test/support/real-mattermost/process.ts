/**
 * The Mattermost server as a child process: started with a minimal environment (no MM_* override and no
 * secret from the test's own environment reaches it), watched until its API answers, stopped for sure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MattermostInstall } from './binary';

const KEPT_OUTPUT_LINES = 200;

export interface ServerProcess {
  child: ChildProcess;
  /** The last lines of the server's log file, else of what it wrote to stdout/stderr before it had one. */
  logTail(lines?: number): string;
  /** Resolves when the process has exited (at once if it already has). */
  exited: Promise<void>;
}


export function startServerProcess(install: MattermostInstall, configFile: string, root: string, logFile: string): ServerProcess {
  const child = spawn(install.binary, ['--config', configFile], {
    cwd: install.dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, TMPDIR: root, LANG: 'C.UTF-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > KEPT_OUTPUT_LINES) output.splice(0, output.length - KEPT_OUTPUT_LINES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      output.push(`could not start ${install.binary}: ${err.message}`);
      resolve();
    });
  });
  const logTail = (lines = 30) => {
    let fromFile: string[] = [];
    try {
      fromFile = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    } catch {
      // No log file yet: the server stopped before reading its config, and said why on stdout/stderr.
    }
    return [...output, ...fromFile].slice(-lines).join('\n');
  };
  return { child, logTail, exited };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Waits until GET /api/v4/system/ping answers status OK; fails with the server's last log lines. */
export async function waitForPing(server: ServerProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (hasExited(server.child)) {
      throw new Error(`Mattermost exited (code ${server.child.exitCode}, signal ${server.child.signalCode}) before answering ${url}/api/v4/system/ping. Its last log lines:\n${server.logTail()}`);
    }
    try {
      const res = await fetch(`${url}/api/v4/system/ping`, { signal: AbortSignal.timeout(5000) });
      const body = (await res.json().catch(() => ({}))) as { status?: string };
      if (res.ok && body.status === 'OK') return;
      last = `HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Mattermost did not answer ${url}/api/v4/system/ping with status OK within ${timeoutMs / 1000} s (last: ${last}). Its last log lines:\n${server.logTail()}`);
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves once the process is gone. */
export async function stopServerProcess(server: ServerProcess, graceMs = 20000): Promise<void> {
  if (hasExited(server.child)) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), graceMs);
  try {
    await server.exited;
  } finally {
    clearTimeout(timer);
  }
}

export const logFileIn = (logDir: string) => path.join(logDir, 'mattermost.log');
