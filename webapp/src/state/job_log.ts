// The job log slice: the live log of one job (the running one, or the one whose log the admin opened).
import {followJobLog} from '../client/endpoints';
import type {JobEnd, LogLine} from '../client/types';

import {isAbort, problemOf} from './problem';

/** As many lines as the bridge keeps per job (LOG_LINES_KEPT); older ones are dropped and counted. */
export const LOG_LINES_SHOWN = 1000;

export type JobLogState = {
    jobId: string | null;
    lines: LogLine[];
    dropped: number;
    end: JobEnd | null;

    /** Why the live log stopped before the job's end, with what to do. */
    problem: string | null;
};

export const initialJobLog: JobLogState = {jobId: null, lines: [], dropped: 0, end: null, problem: null};

export type JobLogAction =
    | {type: 'backup-dr/jobLog/opened'; jobId: string}
    | {type: 'backup-dr/jobLog/line'; jobId: string; line: LogLine}
    | {type: 'backup-dr/jobLog/ended'; jobId: string; end: JobEnd}
    | {type: 'backup-dr/jobLog/interrupted'; jobId: string; problem: string};

export function jobLogReducer(state: JobLogState = initialJobLog, action: JobLogAction): JobLogState {
    if (action.type === 'backup-dr/jobLog/opened') {
        // Also on a reconnect: the bridge replays the whole buffered log, so the lines start over.
        return {...initialJobLog, jobId: action.jobId};
    }
    if (!('jobId' in action) || action.jobId !== state.jobId) {
        return state; // a late event of a job no longer shown
    }
    switch (action.type) {
    case 'backup-dr/jobLog/line': {
        const lines = [...state.lines, action.line];
        const over = Math.max(0, lines.length - LOG_LINES_SHOWN);
        return {...state, lines: over ? lines.slice(over) : lines, dropped: state.dropped + over};
    }
    case 'backup-dr/jobLog/ended':
        return {...state, end: action.end, problem: null};
    case 'backup-dr/jobLog/interrupted':
        return {...state, problem: action.problem};
    default:
        return state;
    }
}

const RECONNECTS = 3;

function pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
        }, {once: true});
    });
}

/**
 * Follows a job's log into the store until its end event or until `signal` aborts. A stream cut before the
 * end (a proxy's read timeout, a bridge restart) is reopened a few times, each time replaying from the start.
 */
export async function followJob(dispatch: (a: JobLogAction) => void, jobId: string, signal: AbortSignal, retryMs = 2000): Promise<void> {
    const handlers = {
        line: (line: LogLine) => dispatch({type: 'backup-dr/jobLog/line', jobId, line}),
        end: (end: JobEnd) => dispatch({type: 'backup-dr/jobLog/ended', jobId, end}),
    };
    for (let attempt = 0; attempt <= RECONNECTS; attempt++) {
        if (attempt > 0) {
            await pause(retryMs, signal);
        }
        if (signal.aborted) {
            return;
        }
        dispatch({type: 'backup-dr/jobLog/opened', jobId});
        try {
            if (await followJobLog(jobId, handlers, signal)) {
                return;
            }
        } catch (err) {
            if (isAbort(err) || signal.aborted) {
                return;
            }
            const problem = problemOf(err);
            const text = problem.kind === 'error' ? `${problem.message}${problem.fix ? ` (${problem.fix})` : ''}` : problem.detail;
            dispatch({type: 'backup-dr/jobLog/interrupted', jobId, problem: `The live log of job ${jobId} is not available: ${text}.`});
            return;
        }
    }
    dispatch({
        type: 'backup-dr/jobLog/interrupted',
        jobId,
        problem: `The live log of job ${jobId} kept stopping before the job ended: check that the proxy does not buffer or time out the stream (nginx: proxy_buffering off; proxy_read_timeout 1h), then reload this page.`,
    });
}
