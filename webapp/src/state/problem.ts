// Turning a failed client call into what the store keeps.
import {BridgeRequestError} from '../client/request';
import type {BridgeProblem} from '../client/request';

/** Problems that are not BridgeRequestErrors are bugs or bad JSON: shown as errors rather than swallowed. */
export function problemOf(err: unknown): BridgeProblem {
    if (err instanceof BridgeRequestError) {
        return err.problem;
    }
    return {
        kind: 'error',
        status: 0,
        code: 'UNEXPECTED',
        message: `unexpected answer from the bridge: ${String((err as Error)?.message ?? err)}`,
        fix: 'reload the page; if it persists, check that the bridge and this plugin are the same version',
    };
}

export function isAbort(err: unknown): boolean {
    return (err as Error)?.name === 'AbortError';
}
