// The live slice: the newest job event Mattermost's websocket brought (custom_backup-dr_job, which the plugin
// relays from the bridge to system admins only), so the running job's step and bytes move between polls of
// GET status. Log lines stay with the job log's own stream (state/job_log.ts), so they change nothing here.
import type {JobEvent} from '../client/types';

export type LiveJob = {
    jobId: string;
    kind: string;
    step?: string;
    stepIndex?: number;
    stepCount?: number;
    bytesDone?: number;
    bytesTotal?: number;

    /** Set once the job finished. */
    outcome?: JobEvent['outcome'];

    /** Counts the events that changed the job, so pages can react to a start or an end. */
    seq: number;
};

export type LiveJobState = LiveJob | null;

export type LiveJobAction = {type: 'backup-dr/job/event'; event: JobEvent};

export function liveJobReducer(state: LiveJobState = null, action: LiveJobAction): LiveJobState {
    if (action.type !== 'backup-dr/job/event' || !isJobEvent(action.event)) {
        return state;
    }
    const e = action.event;
    if (e.phase === 'log') {
        return state;
    }
    const seq = (state?.seq ?? 0) + 1;
    if (e.phase === 'started' || state?.jobId !== e.jobId) {
        return {jobId: e.jobId, kind: e.kind, seq, ...(e.stepCount ? {stepCount: e.stepCount} : {}), ...progressOf(e)};
    }
    if (e.phase === 'finished') {
        return {...state, seq, outcome: e.outcome};
    }

    // A new step starts at 0 bytes; a progress event carries the step's counts.
    const reset = e.phase === 'step' && e.step !== state.step ? {bytesDone: 0, bytesTotal: undefined} : {};
    return {...state, ...reset, ...progressOf(e), seq};
}

function progressOf(e: JobEvent): Partial<LiveJob> {
    const out: Partial<LiveJob> = {};
    for (const key of ['step', 'stepIndex', 'stepCount', 'bytesDone', 'bytesTotal'] as const) {
        if (e[key] !== undefined) {
            (out as Record<string, unknown>)[key] = e[key];
        }
    }
    return out;
}

/** The websocket carries whatever the plugin relays: only well-formed job events reach the store. */
function isJobEvent(e: unknown): e is JobEvent {
    const x = e as Partial<JobEvent> | null;
    return Boolean(x) && typeof x!.jobId === 'string' && typeof x!.phase === 'string' && typeof x!.kind === 'string';
}
