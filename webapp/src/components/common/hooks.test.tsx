import {act, renderHook} from '@testing-library/react';

import {useNow} from './hooks';

describe('useNow', () => {
    beforeEach(() => jest.useFakeTimers({now: new Date('2026-11-24T12:00:00Z')}));
    afterEach(() => jest.useRealTimers());

    test('ticks every interval', () => {
        const {result} = renderHook(() => useNow(1000));
        const start = result.current;
        act(() => {
            jest.advanceTimersByTime(1000);
        });
        expect(result.current).toBe(start + 1000);
    });

    test('catches up at once when the data changes, so a just-finished backup is not "in 1 s"', () => {
        const {result, rerender} = renderHook(({data}) => useNow(30_000, data), {initialProps: {data: {finishedAt: 'a'}}});
        const start = result.current;
        jest.setSystemTime(start + 5000); // time passes without a tick
        expect(result.current).toBe(start);
        rerender({data: {finishedAt: 'b'}});
        expect(result.current).toBe(start + 5000);
    });
});
