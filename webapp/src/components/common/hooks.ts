// Hooks shared by the pages: the plugin's store slice, debouncing and asking for the previews.
import {useEffect, useRef, useState} from 'react';
import {useDispatch, useSelector} from 'react-redux';

import type {BridgeProblem} from '../../client/request';
import {pluginState} from '../../state';
import {loadBridgeSettings} from '../../state/bridge_settings';
import {isAbort, problemOf} from '../../state/problem';
import type {PluginAction, PluginState} from '../../state';

export function usePluginState<T>(select: (state: PluginState) => T): T {
    return useSelector((state: unknown) => select(pluginState(state)));
}

export function usePluginDispatch(): (action: PluginAction) => void {
    return useDispatch();
}

/** `value`, once it has not changed for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
    const [settled, setSettled] = useState(value);
    useEffect(() => {
        const timer = setTimeout(() => setSettled(value), ms);
        return () => clearTimeout(timer);
    }, [value, ms]);
    return settled;
}

/**
 * The current time, refreshed every `ms` and whenever `data` changes, for "5 min ago" texts: a backup that
 * finished after the last tick must not read "in 1 s".
 */
export function useNow(ms = 30_000, data?: unknown): number {
    const [now, setNow] = useState(() => Date.now());
    useEffect(() => {
        setNow(Date.now());
        const timer = setInterval(() => setNow(Date.now()), ms);
        return () => clearInterval(timer);
    }, [ms, data]);
    return now;
}

/** Loads GET settings once for the page (locked keys and effective values), unless already there. */
export function useBridgeSettings(): void {
    const dispatch = usePluginDispatch();
    const loaded = usePluginState((s) => Boolean(s.bridgeSettings.data || s.bridgeSettings.loading));
    // Once per page, not on `loaded`: a failed load would otherwise be retried in a tight loop.
    useEffect(() => {
        if (!loaded) {
            loadBridgeSettings(dispatch);
        }
    }, []);
}

/**
 * The bridge's answer to `ask` while `key` stays the same (the previews: `key` is the settled input): asked
 * again, the earlier request aborted, when `key` changes. `ask` returning null means there is nothing to ask.
 */
export function useBridgeAnswer<T>(key: string, ask: (signal: AbortSignal) => Promise<T> | null): {answer: T | null; problem: BridgeProblem | null} {
    const [answer, setAnswer] = useState<T | null>(null);
    const [problem, setProblem] = useState<BridgeProblem | null>(null);
    const latestAsk = useRef(ask);
    latestAsk.current = ask;
    useEffect(() => {
        const controller = new AbortController();
        const request = latestAsk.current(controller.signal);
        if (!request) {
            setAnswer(null);
            setProblem(null);
            return undefined;
        }
        request.then(
            (a) => {
                setAnswer(a);
                setProblem(null);
            },
            (err) => {
                if (!isAbort(err)) {
                    setProblem(problemOf(err));
                }
            },
        );
        return () => controller.abort();
    }, [key]);
    return {answer, problem};
}
