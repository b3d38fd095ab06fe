// One request to the bridge through the plugin's routes (/plugins/backup-dr/api/v1/..., under the server's
// subpath when Mattermost is installed on one), as Mattermost's own client makes requests: the session cookie,
// X-Requested-With, and X-CSRF-Token from the MMCSRF cookie. Mattermost authenticates and checks CSRF, the
// plugin requires a system admin and forwards to the bridge on this host; each failure is read for where it
// came from (the codes are @backup-dr/wire's protocol):
// - 502 BRIDGE_NOT_RUNNING / BRIDGE_UNREACHABLE / BRIDGE_SECRET_MISMATCH, 503 BRIDGE_NO_SECRET: the plugin or
//   the bridge says which link is broken
// - 404 that is not the bridge's JSON, or an HTML page: the plugin's routes are not there (plugin not running)
// - 401 → unauthenticated; 403 → not-admin (Mattermost's CSRF refusal too: it comes without our JSON)
// Anything else that carries the bridge's error JSON is an error with its message and fix.
import {PROTOCOL} from '@backup-dr/wire';

import {manifest} from '../manifest';

import {csrfToken} from './csrf';

export type UnreachableReason =
    | 'plugin-off' | 'not-running' | 'unreachable' | 'secret-mismatch' | 'no-secret' | 'not-admin' | 'unauthenticated';

export type BridgeProblem =
    | {kind: 'unreachable'; reason: UnreachableReason; detail: string; message?: string; fix?: string}
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

declare global {
    interface Window {

        /** Mattermost's subpath ("" or e.g. "/chat"), set by its webapp when it is served under one. */
        basename?: string;
    }
}

/** Where the plugin's routes are: /plugins/<id>/ under the server's subpath. */
export function pluginBase(): string {
    const basename = (typeof window === 'undefined' ? '' : window.basename ?? '').replace(/\/+$/, '');
    return `${basename}/plugins/${manifest.id}/`;
}

/** The URL of an endpoint (e.g. "api/v1/status") with the query parameters that are set. */
export function endpointUrl(endpoint: string, query?: RequestOptions['query']): string {
    const params = Object.entries(query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined);
    const search = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return pluginBase() + endpoint + (search ? '?' + search : '');
}

/**
 * Sends the request as the signed-in admin (same-origin cookies). Resolves with the response when the bridge
 * answered 2xx with `accept`'s media type; otherwise throws a BridgeRequestError. An abort rejects as fetch does.
 */
export async function openBridge(endpoint: string, options: RequestOptions = {}): Promise<Response> {
    const method = options.method ?? 'GET';
    const accept = options.accept ?? 'application/json';
    const headers: Record<string, string> = {

        // As Mattermost's own client: marks a script request (a cross-site form cannot set it), and the CSRF
        // token Mattermost checks on every state-changing request authenticated by the session cookie.
        'X-Requested-With': 'XMLHttpRequest',
        'X-CSRF-Token': csrfToken(),
        Accept: accept,
    };
    if (options.body !== undefined) {
        headers['Content-Type'] = 'application/json';
    }
    const url = endpointUrl(endpoint, options.query);
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
            kind: 'error',
            status: 0,
            code: 'NO_ANSWER',
            message: `the request to ${url} got no answer (${errorText(err)})`,
            fix: 'check the connection to Mattermost and reload the page',
        });
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && type.includes(accept)) {
        return response;
    }
    throw new BridgeRequestError(await problemOf(response, url, type));
}

/** A JSON endpoint: the parsed body of a 2xx answer. */
export async function requestJson<T>(endpoint: string, options: RequestOptions = {}): Promise<T> {
    const response = await openBridge(endpoint, options);
    return await response.json() as T;
}

function errorText(err: unknown): string {
    return String((err as Error)?.message ?? err);
}

/** The error body the bridge and the plugin send ({error: CODE, message, fix?}). */
function errorBody(body: unknown): {code: string; message: string; fix: string} | null {
    const b = body as {error?: unknown; message?: unknown; fix?: unknown} | null;
    if (!b || typeof b !== 'object' || typeof b.error !== 'string') {
        return null;
    }
    return {code: b.error, message: String(b.message ?? b.error), fix: typeof b.fix === 'string' ? b.fix : ''};
}

const LINK_PROBLEMS: Record<string, UnreachableReason> = {
    [PROTOCOL.errors.notRunning]: 'not-running',
    [PROTOCOL.errors.unreachable]: 'unreachable',
    [PROTOCOL.errors.secretMismatch]: 'secret-mismatch',
    [PROTOCOL.errors.noSecret]: 'no-secret',
};

async function problemOf(response: Response, url: string, type: string): Promise<BridgeProblem> {
    const status = response.status;
    let body: unknown = null;
    if (type.includes('application/json')) {
        body = await response.json().catch(() => null);
    }
    const own = errorBody(body);
    const link = own ? LINK_PROBLEMS[own.code] : undefined;
    if (own && link) {
        return {kind: 'unreachable', reason: link, detail: `HTTP ${status} ${own.code} from ${url}: ${own.message}`, message: own.message, fix: own.fix};
    }
    if (status === 401) {
        return {kind: 'unreachable', reason: 'unauthenticated', detail: `HTTP 401 from ${url}: ${own?.message ?? 'no valid Mattermost session was sent'}`};
    }
    if (status === 403) {
        return {kind: 'unreachable', reason: 'not-admin', detail: `HTTP 403 from ${url}: ${own?.message ?? 'refused'}`};
    }
    if (own) {
        return {kind: 'error', status, ...own};
    }
    if (status === 404 || type.includes('text/html') || (response.ok && !type.includes('json'))) {
        const what = type.includes('text/html') ? 'an HTML page' : `HTTP ${status} ${type || 'without a content type'}`;
        return {kind: 'unreachable', reason: 'plugin-off', detail: `${url} answered with ${what}: the Backup & DR plugin's server part is not running`};
    }
    return {
        kind: 'error',
        status,
        code: `HTTP_${status}`,
        message: `HTTP ${status} from ${url}`,
        fix: "see Mattermost's log (System Console > Server Logs) and the bridge's: journalctl -u mmbackup -n 100",
    };
}
