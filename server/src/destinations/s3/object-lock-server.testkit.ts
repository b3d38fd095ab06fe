/**
 * A scripted S3 server on 127.0.0.1 for the Object Lock tests, since s3rver has no Object Lock (it drops
 * the headers and answers 501/405 to the retention calls). It implements just what S3Destination sends,
 * path-style: PUT (with If-None-Match: *), GET (with Range) and HEAD of an object, ListObjectsV2, DELETE,
 * DeleteObjects, and GetObjectLockConfiguration. Anything else is 501 NotImplemented, so a new call shows up in a test.
 *
 * Like AWS: a PUT records x-amz-object-lock-mode and x-amz-object-lock-retain-until-date and HEAD shows
 * them; a DELETE of an object whose retain-until is still ahead is refused with 403 AccessDenied "Access
 * Denied because object protected by object lock" (what AWS answers to a delete of a locked version; a
 * plain delete on a versioned AWS bucket would add a delete marker instead, which mmbackup never relies
 * on). Unlike AWS: no signatures are checked, no versions are kept, no multipart uploads (repository
 * objects stay below the 5 MiB part size, so S3Destination sends each as one PUT).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredTestObject {
  body: Buffer;
  lockMode?: string;
  /** Tests may move it into the past to let a lock expire. */
  retainUntil?: Date;
}

export interface ObjectLockTestServer {
  /** http://127.0.0.1:<port>, to use as the S3 endpoint. */
  endpoint: string;
  /** Every request, in order (the path as sent, with its query). */
  requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders }>;
  /** Creates a bucket, with Object Lock enabled or not. */
  bucket(name: string, options: { objectLock: boolean }): void;
  /** The objects of a bucket by key, to inspect and adjust. */
  objects(bucket: string): Map<string, StoredTestObject>;
  /** An s3:// repository URL for `bucket`/`prefix` here, with extra query parameters. */
  repoUrl(bucket: string, prefix: string, extra?: string): string;
  stop(): Promise<void>;
}

interface Bucket {
  objectLock: boolean;
  objects: Map<string, StoredTestObject>;
}

const PAGE_SIZE = 1000;

export async function startObjectLockServer(): Promise<ObjectLockTestServer> {
  const buckets = new Map<string, Bucket>();
  const requests: ObjectLockTestServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '/', headers: req.headers });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(buckets, req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    requests,
    bucket: (name, { objectLock }) => void buckets.set(name, { objectLock, objects: new Map() }),
    objects: (name) => buckets.get(name)!.objects,
    repoUrl: (bucket, prefix, extra = '') => `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1${extra ? `&${extra}` : ''}`,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function handle(buckets: Map<string, Bucket>, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://host');
  const [, bucketName = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const bucket = buckets.get(bucketName);
  if (!bucket) return error(res, req, 404, 'NoSuchBucket', 'The specified bucket does not exist');
  const method = req.method ?? '';
  if (!key && method === 'GET' && url.searchParams.has('object-lock')) return lockConfiguration(res, req, bucket);
  if (!key && method === 'GET' && url.searchParams.get('list-type') === '2') return list(res, bucket, url.searchParams);
  if (!key && method === 'POST' && url.searchParams.has('delete')) return removeMany(res, bucket, body);
  // The SDK tags object calls with ?x-id=<operation>; any other parameter is a call not implemented here.
  if (key && [...url.searchParams.keys()].every((name) => name === 'x-id')) {
    if (method === 'PUT') return put(res, req, bucket, key, body);
    if (method === 'GET' || method === 'HEAD') return get(res, req, bucket.objects.get(key));
    if (method === 'DELETE') return remove(res, req, bucket, key);
  }
  error(res, req, 501, 'NotImplemented', `the scripted test server does not implement ${method} ${req.url}`);
}

function error(res: http.ServerResponse, req: http.IncomingMessage, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

function lockConfiguration(res: http.ServerResponse, req: http.IncomingMessage, bucket: Bucket): void {
  if (!bucket.objectLock) return error(res, req, 404, 'ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket');
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end('<?xml version="1.0" encoding="UTF-8"?>\n<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>');
}

function put(res: http.ServerResponse, req: http.IncomingMessage, bucket: Bucket, key: string, body: Buffer): void {
  if (req.headers['if-none-match'] === '*' && bucket.objects.has(key)) return error(res, req, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  const mode = req.headers['x-amz-object-lock-mode'] as string | undefined;
  const until = req.headers['x-amz-object-lock-retain-until-date'] as string | undefined;
  if ((mode || until) && !bucket.objectLock) return error(res, req, 400, 'InvalidRequest', 'Bucket is missing Object Lock Configuration');
  bucket.objects.set(key, { body, lockMode: mode, retainUntil: until ? new Date(until) : undefined });
  res.writeHead(200, { etag: '"scripted"' });
  res.end();
}

function get(res: http.ServerResponse, req: http.IncomingMessage, object: StoredTestObject | undefined): void {
  if (!object) return error(res, req, 404, 'NoSuchKey', 'The specified key does not exist.');
  const headers: http.OutgoingHttpHeaders = { etag: '"scripted"', 'last-modified': new Date().toUTCString(), 'content-type': 'application/octet-stream' };
  if (object.lockMode) headers['x-amz-object-lock-mode'] = object.lockMode;
  if (object.retainUntil) headers['x-amz-object-lock-retain-until-date'] = object.retainUntil.toISOString();
  const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
  if (!range) {
    res.writeHead(200, { ...headers, 'content-length': object.body.length });
    return void res.end(req.method === 'HEAD' ? undefined : object.body);
  }
  const start = Number(range[1]);
  if (start >= object.body.length) return error(res, req, 416, 'InvalidRange', 'The requested range is not satisfiable');
  const end = Math.min(Number(range[2]), object.body.length - 1);
  res.writeHead(206, { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${object.body.length}` });
  res.end(req.method === 'HEAD' ? undefined : object.body.subarray(start, end + 1));
}

function remove(res: http.ServerResponse, req: http.IncomingMessage, bucket: Bucket, key: string): void {
  const until = bucket.objects.get(key)?.retainUntil;
  if (until && until.getTime() > Date.now()) return error(res, req, 403, 'AccessDenied', 'Access Denied because object protected by object lock.');
  bucket.objects.delete(key);
  res.writeHead(204);
  res.end();
}

/** DeleteObjects: like AWS, a key still under retention is reported as an AccessDenied error, the others go. */
function removeMany(res: http.ServerResponse, bucket: Bucket, body: Buffer): void {
  const keys = [...body.toString().matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]));
  const errors: string[] = [];
  for (const key of keys) {
    const until = bucket.objects.get(key)?.retainUntil;
    if (until && until.getTime() > Date.now()) errors.push(`<Error><Key>${escapeXml(key)}</Key><Code>AccessDenied</Code><Message>Access Denied because object protected by object lock.</Message></Error>`);
    else bucket.objects.delete(key);
  }
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult>${errors.join('')}</DeleteResult>`);
}

function unescapeXml(text: string): string {
  return text.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** ListObjectsV2, in key order, with the token being the last key of the page before. */
function list(res: http.ServerResponse, bucket: Bucket, params: URLSearchParams): void {
  const prefix = params.get('prefix') ?? '';
  const after = params.get('continuation-token') ?? '';
  const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const page = keys.slice(0, PAGE_SIZE);
  const truncated = keys.length > PAGE_SIZE;
  const contents = page.map((k) => `<Contents><Key>${escapeXml(k)}</Key><Size>${bucket.objects.get(k)!.body.length}</Size><ETag>"scripted"</ETag></Contents>`).join('');
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><IsTruncated>${truncated}</IsTruncated>` +
      `${truncated ? `<NextContinuationToken>${escapeXml(page[page.length - 1])}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`,
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
