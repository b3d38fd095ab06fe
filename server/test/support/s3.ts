/**
 * s3rver, the S3-protocol server the tests use, in this process on 127.0.0.1 at a random port, with its
 * data in a temp dir and a key pair of its own. Its gaps are closed because the tests depend on S3
 * behaving as S3 does:
 * - It checks no SigV4 signature (any secret passes for a known key id) and serves anonymous requests.
 *   Here every request must carry a valid SigV4 signature of the server's key pair, else 403
 *   SignatureDoesNotMatch / AccessDenied, as AWS answers.
 * - Listings past 1,000 keys, and answers to a PUT before the object is written: patched in s3rver itself
 *   (../../src/bench/s3rver-patches.ts, shared with make bench).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { patchS3rver } from '../../src/bench/s3rver-patches';

export interface S3TestServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Creates the bucket (if new) and returns its name. */
  bucket(name: string): Promise<string>;
  /** Stores objects straight into s3rver's store, no HTTP: for seeding a bucket with many objects fast. */
  seed(bucket: string, objects: Iterable<[key: string, content: Buffer]>): Promise<void>;
  /** An s3:// repository URL for `bucket`/`prefix` on this server. */
  repoUrl(bucket: string, prefix?: string, endpoint?: string): string;
  /** The MMBACKUP_S3_* variables holding this server's key pair. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer: Server;
  store: { putBucket(name: string): Promise<unknown>; getBucket(name: string): Promise<unknown>; putObject(object: unknown): Promise<unknown> };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
// s3rver ships no type declarations: the little used here is declared by hand.
const S3rver: S3rverConstructor = require('s3rver');
const S3Object: new (bucket: string, key: string, content: Buffer, metadata: Record<string, string>) => unknown = require('s3rver/lib/models/object');
// Its account registry is where s3rver looks key ids up; the default S3RVER key stays, and is refused here.
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void } };

export interface S3TestServerOptions {
  /** Where s3rver keeps its data (a new temp dir inside it); default /dev/shm when there is one. */
  parentDirectory?: string;
}

/**
 * Starts a fresh server. s3rver writes several files and directories per object; on a disk that costs
 * ~4 ms an object, on tmpfs a tenth of that, so its data goes to /dev/shm unless told otherwise (pass a
 * disk directory for gigabytes).
 */
export async function startS3Server(options: S3TestServerOptions = {}): Promise<S3TestServer> {
  patchS3rver();
  const parent = options.parentDirectory ?? ((await isWritableDirectory('/dev/shm')) ? '/dev/shm' : os.tmpdir());
  const directory = await fs.mkdtemp(path.join(parent, 'mmbackup-s3rver-'));
  const accessKeyId = `MMBTEST${randomBytes(6).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, vhostBuckets: false });
  const { port } = await server.run();
  requireSignatures(server.httpServer, new Map([[accessKeyId, secretAccessKey]]));
  const endpoint = `http://127.0.0.1:${port}`;
  const bucket = async (name: string) => {
    if (!(await server.store.getBucket(name))) await server.store.putBucket(name);
    return name;
  };
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    bucket,
    async seed(name, objects) {
      await bucket(name);
      for (const [key, content] of objects) await server.store.putObject(new S3Object(name, key, content, { 'content-type': 'application/octet-stream' }));
    },
    repoUrl: (bucket, prefix = '', at = endpoint) => `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(at)}&region=us-east-1`,
    env: () => ({ MMBACKUP_S3_ACCESS_KEY_ID: accessKeyId, MMBACKUP_S3_SECRET_ACCESS_KEY: secretAccessKey }),
    async stop() {
      server.httpServer.closeAllConnections();
      await server.close();
      DUMMY_ACCOUNT.revokeAccessKey(accessKeyId);
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

async function isWritableDirectory(dir: string): Promise<boolean> {
  return fs.access(dir, fsConstants.W_OK).then(() => true, () => false);
}

/** Puts a SigV4 check in front of s3rver's own request handler. */
function requireSignatures(httpServer: Server, keys: Map<string, string>): void {
  const handlers = httpServer.listeners('request') as RequestListener[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const refusal = checkSignature(req, keys);
    if (!refusal) {
      for (const handler of handlers) handler(req, res);
      return;
    }
    // Read the body first: answering mid-upload would reach the client as a reset, not as a 403.
    req.resume();
    req.on('end', () => {
      res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-error-code': refusal });
      res.end(req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal}</Code><Message>refused by the test server's signature check</Message></Error>`);
    });
  });
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** Undefined when `req` carries a valid SigV4 signature, else the S3 error code to refuse it with. */
export function checkSignature(req: IncomingMessage, keys: Map<string, string>): string | undefined {
  const match = AUTHORIZATION.exec(String(req.headers.authorization ?? ''));
  if (!match) return 'AccessDenied';
  const [, keyId, date, region, service, signedHeaders, signature] = match;
  const secret = keys.get(keyId);
  if (!secret) return 'InvalidAccessKeyId';
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest(req, signedHeaders))].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex') === signature ? undefined : 'SignatureDoesNotMatch';
}

function canonicalRequest(req: IncomingMessage, signedHeaders: string): string {
  const url = new URL(req.url ?? '/', 'http://host');
  const query = [...url.searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders
    .split(';')
    .map((h) => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payload = String(req.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD');
  // S3 signs the path as sent (encoded once), unlike other AWS services.
  return [req.method, (req.url ?? '/').split('?')[0], query, headers, signedHeaders, payload].join('\n');
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
