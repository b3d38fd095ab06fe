/**
 * GET /api/v1/jobs/:id/log as server-sent events, for the System Console's live log (like Discourse's backup
 * log): the lines buffered so far, then each new line as it is written, then `event: end` once the job has
 * finished, after which the stream closes. Comment lines keep idle connections from being cut by proxies.
 *
 * Events: default `message` events carry one LogLine as JSON ({at, level, text}); `end` carries the job's
 * result ({id, ok, cancelled, error?}) or just {id} when the job had already finished before the request.
 */
import type * as http from 'node:http';
import { redact } from '../common/redact';
import type { BridgeCore, JobResult, LogLine } from './core';
import { HttpError, redactDeep } from './respond';

/** Shorter than the idle timeouts of common proxies (nginx proxy_read_timeout defaults to 60 s). */
export const HEARTBEAT_MS = 15_000;

export function streamJobLog(core: BridgeCore, jobId: string, res: http.ServerResponse, heartbeatMs = HEARTBEAT_MS): void {
  const buffered = core.jobLog(jobId);
  if (!buffered) throw new HttpError(404, 'JOB_NOT_FOUND', `no job ${jobId}`, 'the id comes from POST /api/v1/backups or GET /api/v1/status');
  openStream(res);
  for (const line of buffered) writeLine(res, line);
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
  let unsubscribe: (() => void) | undefined;
  const close = (): void => {
    clearInterval(heartbeat);
    unsubscribe?.();
  };
  // Subscribed in the same tick as the replay: the job cannot write a line in between.
  unsubscribe = core.subscribeLog(jobId, {
    line: (line) => writeLine(res, line),
    end: (result) => {
      writeEnd(res, publicResult(result));
      close();
      res.end();
    },
  });
  if (!unsubscribe) {
    writeEnd(res, { id: jobId });
    close();
    res.end();
    return;
  }
  res.on('close', close); // the client went away (or the stream ended): stop heartbeats and following
}

function openStream(res: http.ServerResponse): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // nginx buffers proxied responses by default, which would hold the live log back until the job ends.
    'X-Accel-Buffering': 'no',
  });
  res.write(': log of this job follows\n\n'); // flushes the headers so the browser's EventSource opens now
}

function writeLine(res: http.ServerResponse, line: LogLine): void {
  res.write(`data: ${JSON.stringify({ at: line.at, level: line.level, text: redact(line.text) })}\n\n`);
}

function writeEnd(res: http.ServerResponse, data: Record<string, unknown>): void {
  res.write(`event: end\ndata: ${JSON.stringify(redactDeep(data))}\n\n`);
}

function publicResult(result: JobResult): Record<string, unknown> {
  const { id, kind, ok, cancelled, finishedAt, durationMs, error } = result;
  return { id, kind, ok, cancelled, finishedAt, durationMs, ...(error ? { error } : {}) };
}
