/**
 * The S3 benchmark's server: MinIO, the pinned build that build/ensure-minio.sh puts in .tools/ (the version
 * named in build/minio/go.mod), on a free loopback port, its one drive in `directory`, with fresh root
 * credentials that only this run knows. The credentials reach MinIO, mmbackup, restic and the SDK client
 * through the environment and the client object, never a command line or a printed line. MinIO runs in
 * its own process, on the same cores, so its request handling is not timed as part of the client.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { freePort } from '../common/free-port';
import * as path from 'node:path';
import { TailBuffer } from '../common/child-process';
import { MmBackupError } from '../common/errors';
import { repoRoot } from './settings';

export interface BenchS3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** e.g. "MinIO v0.0.0-20251015172955-9e49d5e7a648" */
  version: string;
  /** An s3:// repository URL for `bucket`/`prefix` on this server. */
  repoUrl(bucket: string, prefix?: string): string;
  /** The MMBACKUP_S3_* variables mmbackup reads its credentials from. */
  env(): Record<string, string>;
  /** restic's repository string and credentials for `bucket`/`prefix` here. */
  restic(bucket: string, prefix: string): { repository: string; env: Record<string, string> };
  /** A client as mmbackup configures its own: path-style, checksums only when required. */
  client(): S3Client;
  /** CPU seconds (user + system) the server has used so far; NaN where /proc is not there to ask. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;
const MODULE = 'github.com/minio/minio';

/** The built MinIO and its version, or an error that says how to build it. */
function minioBinary(): { binary: string; version: string } {
  const goMod = path.join(repoRoot(), 'build/minio/go.mod');
  const line = existsSync(goMod) ? readFileSync(goMod, 'utf8').split('\n').find((l) => !l.trim().startsWith('//') && l.includes(`${MODULE} v`)) : undefined;
  const version = line?.trim().split(/\s+/).at(-1);
  const binary = version ? path.join(repoRoot(), '.tools/minio', version, 'minio') : '';
  if (!version || !existsSync(binary)) {
    throw new MmBackupError({ step: 'bench-s3', code: 'BENCH_MINIO_MISSING', message: `MinIO is not built${binary ? ` (no ${binary})` : ''}`,
      fix: 'run build/ensure-minio.sh (make test-servers does it; it needs Go), or set BENCH_S3=0 to skip the S3 case' });
  }
  return { binary, version };
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
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, stderr: TailBuffer): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new MmBackupError({ step: 'bench-s3', code: 'BENCH_MINIO_FAILED', message: `MinIO did not become ready at ${endpoint}: ${stderr.tail.at(-1) ?? '(no message)'}`, fix: 'read the MinIO message; check that the temp directory is writable' });
}

/** Starts MinIO with its data in `directory` and the given buckets created. */
export async function startBenchS3Server(directory: string, buckets: string[]): Promise<BenchS3Server> {
  const { binary, version } = minioBinary();
  const accessKeyId = `minio${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  await fs.mkdir(directory, { recursive: true });
  const child = spawn(binary, ['server', '--quiet', '--address', `127.0.0.1:${port}`, path.join(directory, 'drive')], {
    cwd: directory,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: directory, MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off', MINIO_CALLHOME_ENABLE: 'off' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = new TailBuffer();
  child.stderr!.on('data', (d: Buffer) => stderr.push(d));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit); // never leave a server behind when the benchmark dies
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopChild(child);
  };
  const credentials = { accessKeyId, secretAccessKey };
  const client = () => new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  try {
    await waitUntilReady(endpoint, child, stderr);
    const s3 = client();
    for (const Bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket }));
    s3.destroy();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint,
    version: `MinIO ${version}`,
    repoUrl: (bucket, prefix = '') => `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&forcePathStyle=true`,
    env: () => ({ MMBACKUP_S3_ACCESS_KEY_ID: accessKeyId, MMBACKUP_S3_SECRET_ACCESS_KEY: secretAccessKey }),
    restic: (bucket, prefix) => ({ repository: `s3:${endpoint}/${bucket}/${prefix}`, env: { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } }),
    client,
    cpuSeconds: () => processCpuSeconds(child.pid),
    stop,
  };
}
