/**
 * The S3 benchmark's server: s3rver (a devDependency, so the benchmark needs the dev checkout's
 * node_modules) on 127.0.0.1 at a free port, in a process of its own so that its request handling is not
 * timed as part of the client measured. Started by s3-server.ts, which passes the data directory, the
 * buckets and a key pair in the environment; prints one line `{"port":N}` on stdout once it listens, and
 * runs until killed or until its stdin closes (the benchmark died without stopping it).
 *
 * s3rver's faults that would fail or skew the measurement are patched first (./s3rver-patches.ts).
 *
 * Usage: BENCH_S3RVER_DIR=... BENCH_S3RVER_BUCKETS=a,b BENCH_S3RVER_KEY_ID=... BENCH_S3RVER_SECRET=... node s3rver-process.js
 */
import { patchS3rver } from './s3rver-patches';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
interface Account {
  createKeyPair(id: string, secret: string): void;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (this script is started by the benchmark, not by hand)`);
  return value;
}

async function main(): Promise<void> {
  const directory = required('BENCH_S3RVER_DIR');
  const buckets = required('BENCH_S3RVER_BUCKETS').split(',');
  patchS3rver();
  // s3rver ships no type declarations: the little used here is declared above.
  const S3rver = require('s3rver') as S3rverConstructor;
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: Account };
  // Its account registry is where s3rver looks key ids up; it checks no signature beyond a known id.
  DUMMY_ACCOUNT.createKeyPair(required('BENCH_S3RVER_KEY_ID'), required('BENCH_S3RVER_SECRET'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  process.stdin.on('close', () => process.exit(0)).resume();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`s3rver did not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
