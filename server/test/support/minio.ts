/**
 * A real MinIO server for the S3 tests: the pinned build from build/ensure-minio.sh, single drive, on a free
 * loopback port, its data in a temp dir. Unlike s3rver it checks SigV4 signatures and supports versioning and
 * Object Lock (retention, legal hold), as S3 does. The root credentials are random and reach only the child.
 *
 *   const minio = await startMinio();
 *   try { await minio.createBucket('repo', { objectLock: true }); ... } finally { await minio.stop(); }
 */
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/common/free-port';
import { REPO_ROOT } from './real-mattermost/binary';

const MINIO_MODULE = 'github.com/minio/minio';
const REGION = 'us-east-1';
export const MINIO_START_TIMEOUT_MS = 60000;

export interface MinioServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The temp dir MinIO keeps its one drive in. */
  dataDir: string;
  pid: number;
  /** A client of this server, signed with its root credentials (path-style addressing). */
  client(): S3Client;
  /** Creates a bucket; Object Lock can only be chosen at creation, and it turns versioning on as well. */
  createBucket(name: string, options?: { objectLock?: boolean; versioning?: boolean }): Promise<string>;
  logTail(lines?: number): string;
  /** SIGTERM (SIGKILL after 10 s), then removes the data dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface MinioOptions {
  /** Where the data dir is made (default: the OS temp dir). */
  parentDirectory?: string;
  startTimeoutMs?: number;
}

/** .tools/minio/<version>/minio, the version being the github.com/minio/minio line of build/minio/go.mod. */
export function minioBinary(): string {
  const goMod = path.join(REPO_ROOT, 'build/minio/go.mod');
  const line = readFileSync(goMod, 'utf8').split('\n').find((l) => !l.trim().startsWith('//') && l.includes(`${MINIO_MODULE} v`));
  if (!line) throw new Error(`${goMod} names no ${MINIO_MODULE} version`);
  const version = line.trim().split(/\s+/).at(-1)!;
  const dir = path.join(REPO_ROOT, '.tools/minio', version);
  const binary = path.join(dir, 'minio');
  if (!existsSync(path.join(dir, '.complete')) || !existsSync(binary)) {
    throw new Error(`MinIO ${version} is not built (no ${binary}): run \`build/ensure-minio.sh\` in ${REPO_ROOT} (make test does it; it needs Go >= 1.25)`);
  }
  return binary;
}

export async function startMinio(options: MinioOptions = {}): Promise<MinioServer> {
  const binary = minioBinary();
  const dataDir = await fs.mkdtemp(path.join(options.parentDirectory ?? os.tmpdir(), 'mmbackup-minio-'));
  const accessKeyId = `minio${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(binary, ['server', '--quiet', '--address', `127.0.0.1:${port}`, path.join(dataDir, 'drive')], {
    cwd: dataDir,
    // Only what MinIO needs: its root credentials, and no console, update check or call-home.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dataDir, MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off', MINIO_CALLHOME_ENABLE: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      output.push(`could not start ${binary}: ${err.message}`);
      resolve();
    });
  });
  const isDone = () => child.exitCode !== null || child.signalCode !== null;
  const logTail = (lines = 30) => output.slice(-lines).join('\n');
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit); // never leave a server behind, even when a test forgets stop()
  const stop = async () => {
    process.off('exit', killOnExit);
    if (!isDone() && child.pid !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(endpoint, isDone, logTail, options.startTimeoutMs ?? MINIO_START_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  const client = () => new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region: REGION,
    dataDir,
    pid: child.pid!,
    client,
    async createBucket(name, bucketOptions = {}) {
      const s3 = client();
      try {
        await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: bucketOptions.objectLock || undefined }));
        if (bucketOptions.versioning && !bucketOptions.objectLock) {
          await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
        }
      } finally {
        s3.destroy();
      }
      return name;
    },
    logTail,
    stop,
  };
}

/** Polls MinIO's readiness probe; fails with its last output lines when it exits or takes too long. */
async function waitUntilReady(endpoint: string, isDone: () => boolean, logTail: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (isDone()) throw new Error(`MinIO exited before ${endpoint}/minio/health/ready answered. Its last output:\n${logTail()}`);
    try {
      const res = await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(5000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`MinIO did not become ready at ${endpoint} within ${timeoutMs / 1000} s (last: ${last}). Its last output:\n${logTail()}`);
}
