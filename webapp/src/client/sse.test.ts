import {parseSse} from './sse';

test('splits complete events, keeps the incomplete rest, skips comments', () => {
    const {events, rest} = parseSse(': log of this job follows\n\ndata: {"a":1}\n\nevent: end\ndata: {"id":"j"}\n\ndata: {"par');
    expect(events).toEqual([{event: 'message', data: '{"a":1}'}, {event: 'end', data: '{"id":"j"}'}]);
    expect(rest).toBe('data: {"par');
});

test('joins multi-line data and accepts CRLF', () => {
    expect(parseSse('data: one\r\ndata: two\r\n\r\n').events).toEqual([{event: 'message', data: 'one\ntwo'}]);
});

test('a heartbeat comment alone is no event', () => {
    expect(parseSse(': heartbeat\n\n')).toEqual({events: [], rest: ''});
});
