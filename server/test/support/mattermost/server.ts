/**
 * A Mattermost REST API stand-in for tests, held to the official OpenAPI description.
 *
 * Every request is matched against the spec before any handler runs: an unknown path or method is a problem and
 * a 404; a body or parameter that breaks the spec is a problem and a 400 (the code under test sent something the
 * real server would not accept as documented). Every response is checked before it is sent: a body that breaks
 * the documented schema, or an undocumented status, is a problem too (then it is the test server that is wrong).
 * Tests assert `problems` is empty. `requests` records what was called, for assertions on the traffic itself.
 *
 * Authentication as Mattermost does it: `Authorization: Bearer <token>` or the MMAUTHTOKEN cookie, where a
 * cookie-authenticated non-GET also needs X-Requested-With: XMLHttpRequest or an X-CSRF-Token equal to MMCSRF.
 * Listens on 127.0.0.1 only.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MattermostSpec, type Operation } from './openapi';
import { ApiFailure, PUBLIC_ROUTES, ROUTES, type RouteResult } from './routes';
import { MattermostState, newId } from './state';

export { MattermostState } from './state';
export type { MmUser, MmTeam, MmChannel, MmPost, MmCommand } from './state';

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  /** The spec operation it matched, e.g. "CreatePost"; undefined when the spec has no such operation. */
  operationId?: string;
  body: unknown;
  status: number;
  /** Who the request authenticated as, if anyone. */
  userId?: string;
}

export interface MattermostTestServer {
  /** Site URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  state: MattermostState;
  requests: RecordedRequest[];
  /** Spec violations seen so far, each naming the request or response; tests assert this stays empty. */
  problems: string[];
  stop(): Promise<void>;
}

export interface MattermostTestServerOptions {
  /** Pre-seeded state; a fresh empty one by default. */
  state?: MattermostState;
  /** OpenAPI directory; default openApiDir() ($MM_OPENAPI_DIR or ../shared/mattermost-api). */
  specDir?: string;
}

/** Starts the server on an ephemeral loopback port. */
export async function startMattermostTestServer(options: MattermostTestServerOptions = {}): Promise<MattermostTestServer> {
  const spec = MattermostSpec.load(options.specDir);
  const state = options.state ?? new MattermostState();
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const server = http.createServer((req, res) => {
    readBody(req)
      .then((raw) => handle(raw))
      .catch((err: unknown) => {
        problems.push(`test server crashed on ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`);
        if (!res.headersSent) send(res, 500, appError(500, 'test_server.crash', 'test server error'));
      });

    function handle(raw: string): void {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.search, body: undefined, status: 0 };
      requests.push(record);
      const reply = (result: RouteResult, operation?: Operation): void => {
        record.status = result.status;
        if (operation) problems.push(...spec.checkResponse(operation, result.status, result.body));
        send(res, result.status, result.body);
      };
      const parsed = parseJson(raw);
      if (!parsed.ok) return reply(failure(400, 'api.context.invalid_body_param.app_error', 'Request body is not JSON'));
      record.body = parsed.value;
      const check = spec.checkRequest({ method: record.method, pathname: url.pathname, query: url.searchParams, body: parsed.value });
      record.operationId = check.operation?.operationId;
      problems.push(...check.problems);
      if (!check.operation) return reply(failure(404, 'api.context.404.app_error', 'Sorry, we could not find the page.'));
      if (check.problems.length) return reply(failure(400, 'api.context.invalid_body_param.app_error', check.problems.join('; ')), check.operation);
      reply(route(check.operation, check.params, url.searchParams, parsed.value, record, req.headers), check.operation);
    }
  });

  /** Runs the handler for an operation the spec recognised, after authentication. */
  function route(
    operation: Operation, params: Record<string, string>, query: URLSearchParams, body: unknown,
    record: RecordedRequest, headers: http.IncomingHttpHeaders,
  ): RouteResult {
    const key = `${operation.method} ${operation.template}`;
    const handler = ROUTES[key];
    if (!handler) {
      problems.push(`${key} (${operation.operationId}) is in the spec but the test server does not implement it`);
      return failure(501, 'test_server.not_implemented', `${operation.operationId} is not implemented by the test server`);
    }
    const user = authenticate(state, record.method, headers);
    record.userId = user?.id;
    if (!user && !PUBLIC_ROUTES.has(key)) {
      return failure(401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.');
    }
    try {
      return handler({ state, user: user!, params, query, body: body ?? {} });
    } catch (err) {
      if (err instanceof ApiFailure) return failure(err.status, err.id, err.message);
      throw err;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    problems,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The user a request authenticates as: Bearer token first, then the session cookie (with its CSRF rule). */
function authenticate(state: MattermostState, method: string, headers: http.IncomingHttpHeaders) {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer) return state.userByToken(bearer);
  const cookies = parseCookies(headers.cookie);
  const token = cookies.MMAUTHTOKEN;
  if (!token) return undefined;
  const csrfOk = method === 'GET' || headers['x-requested-with'] === 'XMLHttpRequest'
    || (cookies.MMCSRF !== undefined && headers['x-csrf-token'] === cookies.MMCSRF);
  return csrfOk ? state.userByToken(token) : undefined;
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

/** Mattermost's AppError body (definitions.yaml AppError, plus detailed_error as the real server sends it). */
function appError(status: number, id: string, message: string): Record<string, unknown> {
  return { id, message, detailed_error: '', request_id: newId(), status_code: status };
}

function failure(status: number, id: string, message: string): RouteResult {
  return { status, body: appError(status, id, message) };
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  if (raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  // Exactly "application/json": Client4 parses JSON only when Content-Type equals it, with no charset.
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-Request-Id': newId(), 'X-Version-Id': 'mmbackup-test-server' });
  res.end(JSON.stringify(body));
}
