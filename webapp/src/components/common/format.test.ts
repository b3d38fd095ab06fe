import {drillTiming} from './format';

test.each([
    [134_000, 134_500, 'restored and booted in 2 min 15 s'],
    [110_000, null, 'restored in 1 min 50 s'],
    [110_000, undefined, 'restored in 1 min 50 s'],
    [null, null, 'restored'],
])('a drill that restored in %p ms with recovery %p ms reads "%s"', (restoreMs, recoveryMs, text) => {
    expect(drillTiming(restoreMs, recoveryMs)).toBe(text);
});
