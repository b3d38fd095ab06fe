/**
 * A fault-injecting HTTP proxy on 127.0.0.1 for tests: it passes requests through to a real S3 server
 * (MinIO in the tests) and, when scripted, misbehaves the way networks and S3 do - an error status, a connection cut
 * mid-upload, a body byte changed, a slow answer, an answer lost after the write landed, a size reported
 * other than stored.
 * Every request that reaches it is recorded, so a test can count what a client sent.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction =
  /** Answer with this S3 error without passing the request on (the body is read first, as S3 does). */
  | { status: number; code: string }
  /** Read part of the request body, then cut the connection (never reaches the server). */
  | { cutBodyAfter: number }
  /** Pass the request on, and hold the answer back this long. */
  | { delayMs: number }
  /** Pass the request on, let it complete, then cut the connection instead of answering. */
  | { dropResponse: true }
  /** Pass the request on, then cut the connection after this many bytes of the answer's body. */
  | { cutResponseAfter: number }
  /**
   * Pass the request on and add this to the Content-Length of the answer to a HEAD: a store that kept
   * other bytes than were sent (aws-chunked framing, say).
   */
  | { lengthDelta: number }
  /** Pass the request on with the body's byte at this offset flipped: bytes changed on the way. */
  | { flipByteAt: number }
  /** Pass the request on and answer with this ETag: a store whose object is not the MD5 of what was sent (SSE-KMS, or altered bytes). */
  | { etag: string }
  /** Pass the request on and leave this header out of the answer: a service that does not echo a checksum it ignored. */
  | { dropHeader: string };

export type Fault = FaultAction & {
  /** Which requests: method and a test on the path (default: every request). */
  method?: string;
  path?: RegExp;
  /** How many matching requests it hits (default 1; Infinity for all). */
  times?: number;
};

export interface FaultProxy {
  /** http://127.0.0.1:<port>, to use as the S3 endpoint. */
  endpoint: string;
  /** Every request that reached the proxy, in order. */
  requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders }>;
  inject(fault: Fault): void;
  clear(): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const faults: Fault[] = [];
  const requests: FaultProxy['requests'] = [];

  const takeFault = (req: http.IncomingMessage): Fault | undefined => {
    const path = req.url ?? '/';
    const fault = faults.find((f) => (!f.method || f.method === req.method) && (!f.path || f.path.test(path)));
    if (fault && (fault.times = (fault.times ?? 1) - 1) <= 0) faults.splice(faults.indexOf(fault), 1);
    return fault;
  };

  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '/', headers: req.headers });
    const fault = takeFault(req);
    if (fault && 'status' in fault) return answerWithError(req, res, fault);
    if (fault && 'cutBodyAfter' in fault) return cutBody(req, fault.cutBodyAfter);
    void forward(req, res, target, fault);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    inject: (fault) => faults.push({ ...fault }),
    clear: () => faults.splice(0),
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function answerWithError(req: http.IncomingMessage, res: http.ServerResponse, fault: { status: number; code: string }): void {
  req.resume();
  req.on('end', () => {
    res.writeHead(fault.status, { 'content-type': 'application/xml' });
    res.end(req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>injected by the fault proxy</Message></Error>`);
  });
}

function cutBody(req: http.IncomingMessage, after: number): void {
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received >= after) req.socket.destroy();
  });
  req.on('end', () => req.socket.destroy());
}

async function forward(req: http.IncomingMessage, res: http.ServerResponse, target: URL, fault: Fault | undefined): Promise<void> {
  const body = await readAll(req);
  if (fault && 'flipByteAt' in fault) body[fault.flipByteAt] ^= 0xff;
  const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, async (answer) => {
    const answerBody = await readAll(answer);
    if (fault && 'dropResponse' in fault) return req.socket.destroy();
    if (fault && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (res.destroyed) return;
    const headers = { ...answer.headers };
    if (fault && 'lengthDelta' in fault) headers['content-length'] = String(Number(headers['content-length']) + fault.lengthDelta);
    if (fault && 'etag' in fault) headers.etag = `"${fault.etag}"`;
    if (fault && 'dropHeader' in fault) delete headers[fault.dropHeader.toLowerCase()];
    res.writeHead(answer.statusCode ?? 502, headers);
    if (fault && 'cutResponseAfter' in fault) {
      res.write(answerBody.subarray(0, fault.cutResponseAfter));
      return setTimeout(() => req.socket.destroy(), 20);
    }
    res.end(answerBody);
  });
  upstream.on('error', () => req.socket.destroy());
  upstream.end(body);
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
