// Follows GET api/v1/jobs/:id/log: the lines logged so far, then each new one, then `end` once the job is over.
import {openBridge} from './request';
import {parseSse} from './sse';
import type {JobEnd, LogLine} from './types';

export type JobLogHandlers = {
    line(line: LogLine): void;
    end(result: JobEnd): void;
};

/**
 * Reads the job's log stream until the bridge ends it. Resolves with true when the `end` event came, false when
 * the stream stopped without it (a proxy timeout, the bridge restarting); rejects with a BridgeRequestError when
 * the bridge refused (e.g. 404 JOB_NOT_FOUND), and with an AbortError when `signal` aborts.
 */
export async function followJobLog(jobId: string, handlers: JobLogHandlers, signal?: AbortSignal): Promise<boolean> {
    const response = await openBridge(`api/v1/jobs/${encodeURIComponent(jobId)}/log`, {accept: 'text/event-stream', signal});
    const reader = response.body?.getReader();
    if (!reader) {
        return deliver(await response.text(), handlers).ended;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
        const {done, value} = await reader.read();
        if (done) {
            return deliver(buffer + decoder.decode() + '\n\n', handlers).ended;
        }
        const delivered = deliver(buffer + decoder.decode(value, {stream: true}), handlers);
        buffer = delivered.rest;
        if (delivered.ended) {
            reader.cancel().catch(() => { /* the stream is over either way */ });
            return true;
        }
    }
}

function deliver(text: string, handlers: JobLogHandlers): {rest: string; ended: boolean} {
    const {events, rest} = parseSse(text);
    for (const e of events) {
        const data = parse(e.data);
        if (!data) {
            continue;
        }
        if (e.event === 'end') {
            handlers.end(data as JobEnd);
            return {rest: '', ended: true};
        }
        if (e.event === 'message') {
            handlers.line(data as LogLine);
        }
    }
    return {rest, ended: false};
}

function parse(data: string): unknown {
    try {
        return JSON.parse(data);
    } catch {
        return null;
    }
}
