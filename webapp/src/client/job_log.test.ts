import {followJobLog} from './job_log';
import {BridgeRequestError} from './request';
import type {JobEnd, LogLine} from './types';

import {bridgeError, EventStream, FakeBridge, uninstallFetch} from '../test_support/fake_bridge';

afterEach(uninstallFetch);

test('delivers the replayed and live lines, then the end event, split across chunks anywhere', async () => {
    const stream = new EventStream();
    new FakeBridge().on('GET api/v1/jobs/job-7/log', () => stream.response()).install();
    const lines: LogLine[] = [];
    const ends: JobEnd[] = [];
    const done = followJobLog('job-7', {line: (l) => lines.push(l), end: (e) => ends.push(e)});
    stream.push(': log of this job follows\n\n');
    stream.line({text: 'dump-db started', level: 'step'});
    stream.push('data: {"at":"2026-11-24T03:00:01.000Z","level":"info","te');
    stream.push('xt":"12 MiB written"}\n\n');
    stream.end({id: 'job-7', kind: 'backup', ok: true, cancelled: false});
    expect(await done).toBe(true);
    expect(lines.map((l) => l.text)).toEqual(['dump-db started', '12 MiB written']);
    expect(ends).toEqual([{id: 'job-7', kind: 'backup', ok: true, cancelled: false}]);
});

test('a stream cut before the end event resolves false', async () => {
    const stream = new EventStream();
    new FakeBridge().on('GET api/v1/jobs/job-7/log', () => stream.response()).install();
    const done = followJobLog('job-7', {line: () => undefined, end: () => undefined});
    stream.line({text: 'x'});
    stream.close();
    expect(await done).toBe(false);
});

test('an unknown job is the bridge\'s 404 with its fix', async () => {
    new FakeBridge().on('GET api/v1/jobs/gone/log', bridgeError(404, 'JOB_NOT_FOUND', 'no job gone', 'the id comes from GET /api/v1/status')).install();
    const failure = followJobLog('gone', {line: () => undefined, end: () => undefined});
    await expect(failure).rejects.toBeInstanceOf(BridgeRequestError);
    await expect(failure).rejects.toMatchObject({problem: {code: 'JOB_NOT_FOUND'}});
});
