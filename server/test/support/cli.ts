/**
 * Runs the built mmbackup CLI the way an admin's script would, and remembers every byte it printed so a
 * test can assert that no secret ever appeared.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const CLI = path.resolve(__dirname, '../../bin/mmbackup');
const BUILT = path.resolve(__dirname, '../../dist/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

export const allOutput: string[] = [];

export function requireBuild(): void {
  if (!existsSync(BUILT)) throw new Error('server/dist is missing: run `make build` (or npm run build -w server) before the integration tests');
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const result = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => {
      allOutput.push(stdout, stderr);
      resolve({
        code,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`not JSON (exit ${code}):\n${stdout}\n--- stderr ---\n${stderr}`);
          }
        },
      });
    }),
  );
  return { child, result };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).result;
}
