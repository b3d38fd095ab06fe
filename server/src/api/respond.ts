/**
 * How the API answers: JSON bodies with every string redacted, errors as {error: CODE, message, fix?} with a
 * status derived from the MmBackupError, and headers that keep admin data out of caches.
 */
import type * as http from 'node:http';
import type { ApiErrorBody } from '@backup-dr/wire';
import { ExitCode, MmBackupError } from '../common/errors';
import { redact } from '../common/redact';

export type { ApiErrorBody };

/** The error body for a code and its words. */
export function errorBodyOf(code: string, message: string, fix?: string): ApiErrorBody {
  return { error: code, message, ...(fix ? { fix } : {}) };
}

/** Where the HTTP layer writes what it does not tell the client (internal causes). Lines are redacted first. */
export type ApiLogger = (line: string) => void;

/** Answers for admin data must not be kept by the browser or a proxy; nosniff stops JSON being run as script. */
const COMMON_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

/** A failure with its HTTP status already decided (auth, routing, bad input). */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly fix?: string) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Redacts every string in a JSON-able value; structural, so a secret can never break the JSON around it. */
export function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  }
  return value;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(redactDeep(body));
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'application/json', ...headers });
  res.end(text);
}

export function sendText(res: http.ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': contentType });
  res.end(redact(text));
}

/** The status an error maps to. Only MmBackupErrors and HttpErrors carry public detail. */
export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (!(err instanceof MmBackupError)) return 500;
  if (err.code === 'BUSY' || err.exitCode === ExitCode.locked) return 409;
  if (err.code.endsWith('NOT_FOUND')) return 404;
  if (err.exitCode === ExitCode.usage) return 400;
  return 500;
}

/**
 * Sends the error's public part and logs its cause. An error that is neither an HttpError nor an MmBackupError
 * is a bug or an unexpected failure: its text may carry internals, so the client only learns that it happened.
 */
export function sendError(res: http.ServerResponse, err: unknown, log: ApiLogger, context: string): void {
  const status = statusOf(err);
  if (status >= 500) log(redact(`${context}: ${describeForLog(err)}`));
  if (res.headersSent) {
    res.destroy(); // a half-sent body cannot become an error body; cut it so the client sees a failure
    return;
  }
  sendJson(res, status, errorBody(err));
}

function errorBody(err: unknown): ApiErrorBody {
  if (err instanceof HttpError || err instanceof MmBackupError) return errorBodyOf(err.code, err.message, err.fix);
  return errorBodyOf('INTERNAL', 'the bridge failed unexpectedly', "see the bridge's log (journalctl -u mmbackup)");
}

function describeForLog(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
  return `${err.name}: ${err.message}${cause}`;
}
