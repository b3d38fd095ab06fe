/**
 * Request bodies: read whole (they are small: a JSON option object or a slash command form), bounded so a
 * client cannot make the bridge buffer without limit.
 */
import type * as http from 'node:http';
import { HttpError } from './respond';

/** Larger than any request the API expects: a slash command form is well under 4 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The body as UTF-8; HttpError 413 as soon as it grows past `limit` (the rest is not read). */
export function readBody(req: http.IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(tooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume(); // drain and drop, so the 413 can still be written on this connection
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The media type of a request, lower case and without parameters ("application/json"). */
export function mediaType(req: http.IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** A JSON object body; empty means {}. HttpError 400/415 for anything else. */
export async function readJsonObject(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req);
  if (raw.trim() === '') return {};
  if (mediaType(req) !== 'application/json') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `expected Content-Type application/json, got "${mediaType(req)}"`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'the request body is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'BAD_JSON', 'the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'BODY_TOO_LARGE', `the request body is larger than ${limit} bytes`);
}
