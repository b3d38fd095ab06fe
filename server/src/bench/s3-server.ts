/**
 * Starting and stopping the S3 benchmark's s3rver (./s3rver-process.ts) as a child process, with a fresh
 * key pair that only this run knows. The key pair reaches the server, mmbackup and the SDK client through
 * the environment and the client object, never a command line or a printed line.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TailBuffer } from '../common/child-process';
import { MmBackupError } from '../common/errors';

export interface BenchS3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** e.g. "s3rver 3.7.1" */
  version: string;
  /** An s3:// repository URL for `bucket`/`prefix` on this server. */
  repoUrl(bucket: string, prefix?: string): string;
  /** The MMBACKUP_S3_* variables mmbackup reads its credentials from. */
  env(): Record<string, string>;
  /** A client as mmbackup configures its own: path-style, checksums only when required. */
  client(): S3Client;
  /** CPU seconds (user + system) the server has used so far; NaN where /proc is not there to ask. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;

function s3rverVersion(): string {
  try {
    return `s3rver ${(require('s3rver/package.json') as { version: string }).version}`;
  } catch (err) {
    throw new MmBackupError({ step: 'bench-s3', code: 'BENCH_S3RVER_MISSING', cause: err,
      message: 'the S3 benchmark needs s3rver, a devDependency of server/, and it is not installed',
      fix: 'run "make deps" (npm ci) in the source checkout, or set BENCH_S3=0 to skip the S3 case' });
  }
}

/** Resolves with the port from the child's first stdout line; rejects with its stderr if it exits first. */
function waitForPort(child: ChildProcess, stderr: TailBuffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string) => reject(new MmBackupError({ step: 'bench-s3', code: 'BENCH_S3RVER_FAILED',
      message: `s3rver ${why}: ${stderr.tail.at(-1) ?? '(no message)'}`, fix: 'check that s3rver is installed (make deps) and the temp directory is writable' }));
    const timer = setTimeout(() => fail(`did not listen within ${STARTUP_TIMEOUT_MS / 1000} s`), STARTUP_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      resolve((JSON.parse(out.slice(0, newline)) as { port: number }).port);
    });
    child.on('error', (err) => fail(`could not be started (${err.message})`));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fail(`exited with ${signal ?? code} before listening`);
    });
  });
}

/** Linux's clock tick for /proc times; 100 on every mainstream architecture. */
const CLOCK_TICKS = 100;

async function processCpuSeconds(pid: number | undefined): Promise<number> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm) ": state is the first, utime the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts s3rver with its data in `directory` and the given buckets created. */
export async function startBenchS3Server(directory: string, buckets: string[]): Promise<BenchS3Server> {
  const version = s3rverVersion();
  const accessKeyId = `MMBBENCH${randomBytes(6).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const child = spawn(process.execPath, [path.join(__dirname, 's3rver-process.js')], {
    env: { ...process.env, BENCH_S3RVER_DIR: directory, BENCH_S3RVER_BUCKETS: buckets.join(','), BENCH_S3RVER_KEY_ID: accessKeyId, BENCH_S3RVER_SECRET: secretAccessKey },
    // stdin is only held open: it closes when this process dies, and the server then exits too.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr = new TailBuffer();
  child.stderr!.on('data', (d: Buffer) => stderr.push(d));
  let port: number;
  try {
    port = await waitForPort(child, stderr);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId, secretAccessKey };
  return {
    endpoint,
    version,
    repoUrl: (bucket, prefix = '') => `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&forcePathStyle=true`,
    env: () => ({ MMBACKUP_S3_ACCESS_KEY_ID: accessKeyId, MMBACKUP_S3_SECRET_ACCESS_KEY: secretAccessKey }),
    client: () => new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
    cpuSeconds: () => processCpuSeconds(child.pid),
    stop: () => stopChild(child),
  };
}
