import type {JobEvent} from '../client/types';

import {liveJobReducer} from './live_job';
import type {LiveJobState} from './live_job';

const run = (events: Array<Partial<JobEvent>>, from: LiveJobState = null) =>
    events.reduce<LiveJobState>((state, event) => liveJobReducer(state, {type: 'backup-dr/job/event', event: {jobId: 'backup-1', kind: 'backup', ...event} as JobEvent}), from);

test('a job\'s events move its step and bytes; a new step starts from zero; the end keeps the outcome', () => {
    const live = run([
        {phase: 'started', stepCount: 5},
        {phase: 'step', step: 'dump-db', stepIndex: 2, stepCount: 5},
        {phase: 'progress', step: 'dump-db', bytesDone: 1024, bytesTotal: 4096},
        {phase: 'step', step: 'files', stepIndex: 3, stepCount: 5},
    ]);
    expect(live).toEqual({jobId: 'backup-1', kind: 'backup', step: 'files', stepIndex: 3, stepCount: 5, bytesDone: 0, bytesTotal: undefined, seq: 4});
    expect(run([{phase: 'finished', outcome: 'failed'}], live)).toMatchObject({step: 'files', outcome: 'failed', seq: 5});
});

test('log lines and malformed events change nothing; another job replaces the last one', () => {
    const live = run([{phase: 'started'}]);
    expect(run([{phase: 'log', line: 'pg_dump: dumping'}], live)).toBe(live);
    expect(liveJobReducer(live, {type: 'backup-dr/job/event', event: {phase: 'progress'} as JobEvent})).toBe(live);
    expect(run([{jobId: 'verify-2', kind: 'verify', phase: 'progress', step: 'read-data', bytesDone: 5}], live)).toMatchObject({jobId: 'verify-2', kind: 'verify', step: 'read-data', bytesDone: 5});
});
