import {STATE_KEY, initialState, pluginReducer, pluginState} from '.';
import {initialStatus, refreshStatus, statusReducer} from './status';

import {bridgeError, FakeBridge, json, uninstallFetch} from '../test_support/fake_bridge';
import {status} from '../test_support/fixtures';

afterEach(uninstallFetch);

test('keeps the last answer while a failure is shown over it', () => {
    let state = statusReducer(initialStatus, {type: 'backup-dr/status/received', data: status()});
    state = statusReducer(state, {type: 'backup-dr/status/failed', problem: {kind: 'unreachable', reason: 'not-running', detail: 'x'}});
    expect(state.data?.health).toBe('healthy');
    expect(state.problem).toMatchObject({reason: 'not-running'});
    state = statusReducer(state, {type: 'backup-dr/status/received', data: status({health: 'warning'})});
    expect(state.problem).toBeNull();
});

test('refreshStatus dispatches the request and the answer, or the problem', async () => {
    new FakeBridge().on('GET api/v1/status', json(200, status())).install();
    const actions: unknown[] = [];
    expect(await refreshStatus((a) => actions.push(a))).toMatchObject({health: 'healthy'});
    expect(actions.map((a) => (a as {type: string}).type)).toEqual(['backup-dr/status/requested', 'backup-dr/status/received']);

    new FakeBridge().on('GET api/v1/status', bridgeError(502, 'BRIDGE_NOT_RUNNING', 'connection refused')).install();
    actions.length = 0;
    expect(await refreshStatus((a) => actions.push(a))).toBeNull();
    expect(actions[1]).toMatchObject({type: 'backup-dr/status/failed', problem: {reason: 'not-running'}});
});

test('the root reducer keeps its identity for actions of others, and the state lives under plugins-backup-dr', () => {
    expect(STATE_KEY).toBe('plugins-backup-dr');
    expect(pluginReducer(initialState, {type: 'SOMETHING_ELSE'} as never)).toBe(initialState);
    expect(pluginState({})).toBe(initialState);
    const next = pluginReducer(initialState, {type: 'backup-dr/drafts/changed', key: 'KeepDaily', value: '9'});
    expect(pluginState({[STATE_KEY]: next}).drafts).toEqual({keepdaily: '9'});
});
