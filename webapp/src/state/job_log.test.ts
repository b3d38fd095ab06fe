import {followJob, initialJobLog, jobLogReducer, LOG_LINES_SHOWN} from './job_log';
import type {JobLogAction, JobLogState} from './job_log';

import {bridgeError, EventStream, FakeBridge, uninstallFetch} from '../test_support/fake_bridge';

afterEach(uninstallFetch);

const line = (text: string) => ({at: '2026-11-24T03:00:00.000Z', level: 'info' as const, text});

test('appends lines of the open job and ignores late lines of another', () => {
    let state = jobLogReducer(initialJobLog, {type: 'backup-dr/jobLog/opened', jobId: 'j1'});
    state = jobLogReducer(state, {type: 'backup-dr/jobLog/line', jobId: 'j1', line: line('a')});
    state = jobLogReducer(state, {type: 'backup-dr/jobLog/line', jobId: 'j0', line: line('stale')});
    state = jobLogReducer(state, {type: 'backup-dr/jobLog/line', jobId: 'j1', line: line('b')});
    expect(state.lines.map((l) => l.text)).toEqual(['a', 'b']);
});

test('keeps the newest lines and counts the dropped ones', () => {
    let state = jobLogReducer(initialJobLog, {type: 'backup-dr/jobLog/opened', jobId: 'j1'});
    for (let i = 0; i < LOG_LINES_SHOWN + 5; i++) {
        state = jobLogReducer(state, {type: 'backup-dr/jobLog/line', jobId: 'j1', line: line(String(i))});
    }
    expect(state.lines).toHaveLength(LOG_LINES_SHOWN);
    expect(state.lines[0].text).toBe('5');
    expect(state.dropped).toBe(5);
});

function recorder() {
    let state: JobLogState = initialJobLog;
    return {
        dispatch: (a: JobLogAction) => {
            state = jobLogReducer(state, a);
        },
        get state() {
            return state;
        },
    };
}

test('followJob reopens a stream cut before the end and replays from the start', async () => {
    const streams = [new EventStream(), new EventStream()];
    let opened = 0;
    new FakeBridge().on('GET api/v1/jobs/j1/log', () => streams[opened++].response()).install();
    const r = recorder();
    const done = followJob(r.dispatch, 'j1', new AbortController().signal, 1);
    streams[0].line({text: 'first'});
    streams[0].close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    streams[1].line({text: 'first'});
    streams[1].line({text: 'second'});
    streams[1].end({id: 'j1', kind: 'backup', ok: true, cancelled: false});
    await done;
    expect(r.state.lines.map((l) => l.text)).toEqual(['first', 'second']);
    expect(r.state.end).toMatchObject({ok: true});
    expect(r.state.problem).toBeNull();
});

test('followJob reports a refused log with what to do', async () => {
    new FakeBridge().on('GET api/v1/jobs/old/log', bridgeError(404, 'JOB_NOT_FOUND', 'no job old', 'the bridge keeps only the last job\'s log')).install();
    const r = recorder();
    await followJob(r.dispatch, 'old', new AbortController().signal, 1);
    expect(r.state.problem).toBe('The live log of job old is not available: no job old (the bridge keeps only the last job\'s log).');
});
