// One request to the bridge, and what went wrong when it did not answer as the bridge. The page can only see
// the bridge through the reverse proxy in front of Mattermost, so each failure is read for where it came from
// (console contract, "How the bridge unreachable reasons are told apart"):
// - no answer at all, or 502/503/504 from the proxy      → not-running (the proxy has a rule, the bridge is down)
// - an HTML page, or a 404 that is not the bridge's JSON → no-route (Mattermost answered: no proxy rule)
// - 401 → unauthenticated; 403 → not-admin (except the bridge's own CSRF refusal, which is an error to show)
// Anything else that carries the bridge's error JSON is an error with its message and fix.
import {csrfToken} from './csrf';

export type UnreachableReason = 'no-route' | 'not-running' | 'not-admin' | 'unauthenticated';

export type BridgeProblem =
    | {kind: 'unreachable'; reason: UnreachableReason; detail: string}
    | {kind: 'error'; status: number; code: string; message: string; fix: string};

/** Thrown by every client function; `problem` says what to show. */
export class BridgeRequestError extends Error {
    constructor(readonly problem: BridgeProblem) {
        super(problem.kind === 'error' ? problem.message : problem.detail);
        this.name = 'BridgeRequestError';
    }
}

export type RequestOptions = {
    method?: 'GET' | 'POST';
    query?: Record<string, string | undefined>;
    body?: unknown;
    signal?: AbortSignal;
    accept?: string;
};

/** The URL of an endpoint under the bridge path, with the query parameters that are set. */
export function endpointUrl(bridgePath: string, endpoint: string, query?: RequestOptions['query']): string {
    const params = Object.entries(query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined);
    const search = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return bridgePath + endpoint + (search ? '?' + search : '');
}

/**
 * Sends the request as the signed-in admin (same-origin cookies). Resolves with the response when the bridge
 * answered 2xx with `accept`'s media type; otherwise throws a BridgeRequestError. An abort rejects as fetch does.
 */
export async function openBridge(bridgePath: string, endpoint: string, options: RequestOptions = {}): Promise<Response> {
    const method = options.method ?? 'GET';
    const accept = options.accept ?? 'application/json';
    const headers: Record<string, string> = {

        // Marks a script request, as Mattermost's own client does; a cross-site form cannot set it.
        'X-Requested-With': 'XMLHttpRequest',
        Accept: accept,
    };
    if (method !== 'GET') {
        headers['X-CSRF-Token'] = csrfToken();
    }
    if (options.body !== undefined) {
        headers['Content-Type'] = 'application/json';
    }
    const url = endpointUrl(bridgePath, endpoint, options.query);
    let response: Response;
    try {
        response = await fetch(url, {
            method,
            credentials: 'same-origin',
            headers,
            body: options.body === undefined ? undefined : JSON.stringify(options.body),
            signal: options.signal,
        });
    } catch (err) {
        if (options.signal?.aborted) {
            throw err;
        }
        throw new BridgeRequestError({
            kind: 'unreachable',
            reason: 'not-running',
            detail: `the request to ${url} got no answer (${errorText(err)})`,
        });
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && type.includes(accept)) {
        return response;
    }
    throw new BridgeRequestError(await problemOf(response, url, type));
}

/** A JSON endpoint: the parsed body of a 2xx answer. */
export async function requestJson<T>(bridgePath: string, endpoint: string, options: RequestOptions = {}): Promise<T> {
    const response = await openBridge(bridgePath, endpoint, options);
    return await response.json() as T;
}

function errorText(err: unknown): string {
    return String((err as Error)?.message ?? err);
}

/** The bridge's error body, in the shape it sends ({error: {code, message, fix}}) or the contract's flat one. */
function bridgeError(body: unknown): {code: string; message: string; fix: string} | null {
    if (!body || typeof body !== 'object') {
        return null;
    }
    const b = body as {error?: unknown; message?: unknown; fix?: unknown};
    if (b.error && typeof b.error === 'object') {
        const e = b.error as {code?: unknown; message?: unknown; fix?: unknown};
        if (typeof e.code === 'string') {
            return {code: e.code, message: String(e.message ?? e.code), fix: typeof e.fix === 'string' ? e.fix : ''};
        }
    }
    if (typeof b.error === 'string') {
        return {code: b.error, message: String(b.message ?? b.error), fix: typeof b.fix === 'string' ? b.fix : ''};
    }
    return null;
}

async function problemOf(response: Response, url: string, type: string): Promise<BridgeProblem> {
    const status = response.status;
    let body: unknown = null;
    if (type.includes('application/json')) {
        body = await response.json().catch(() => null);
    }
    const own = bridgeError(body);
    if (status === 401) {
        return {kind: 'unreachable', reason: 'unauthenticated', detail: `HTTP 401 from ${url}: ${own?.message ?? 'no valid Mattermost session was sent'}`};
    }
    if (status === 403 && own?.code !== 'CSRF') {
        return {kind: 'unreachable', reason: 'not-admin', detail: `HTTP 403 from ${url}: ${own?.message ?? 'refused'}`};
    }
    if (own) {
        return {kind: 'error', status, ...own};
    }
    if (status === 502 || status === 503 || status === 504) {
        return {kind: 'unreachable', reason: 'not-running', detail: `HTTP ${status} from the reverse proxy for ${url}: nothing answers behind it`};
    }
    if (status === 404 || type.includes('text/html') || (response.ok && !type.includes('json'))) {
        const what = type.includes('text/html') ? 'an HTML page' : `HTTP ${status} ${type || 'without a content type'}`;
        return {kind: 'unreachable', reason: 'no-route', detail: `${url} answered with ${what}, not the bridge: no proxy rule sends this path to the bridge`};
    }
    return {
        kind: 'error',
        status,
        code: `HTTP_${status}`,
        message: `HTTP ${status} from ${url}`,
        fix: "see the bridge's log: journalctl -u mmbackup -n 100",
    };
}
