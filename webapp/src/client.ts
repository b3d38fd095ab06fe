// Talks to the mmbackup bridge. The bridge is proxied on Mattermost's own origin (DESIGN section 2), so the
// browser sends the session cookie and the bridge checks it; one async function per endpoint.

/** Same as the BridgePath default in plugin.json. */
export const DEFAULT_BRIDGE_PATH = '/backup-dr/';

/** The part of `GET api/v1/status` this page shows. `last_success` is null before the first good backup. */
export type BridgeStatusBody = {
    last_success?: {finished_at?: string} | string | null;
};

/** Why a request did not give an answer: `forbidden` is the bridge refusing us, `unreachable` is no bridge. */
export type BridgeResult<T> =
    | {kind: 'ok'; body: T}
    | {kind: 'forbidden'; status: number}
    | {kind: 'unreachable'; reason: string};

/** Turns the admin's setting into `/path/`: empty means the default, and slashes are added when missing. */
export function normalizeBridgePath(path: string | undefined): string {
    const trimmed = (path ?? '').trim();
    if (!trimmed) {
        return DEFAULT_BRIDGE_PATH;
    }
    const leading = trimmed.startsWith('/') ? trimmed : '/' + trimmed;
    return leading.endsWith('/') ? leading : leading + '/';
}

async function getJSON<T>(bridgePath: string, endpoint: string, signal?: AbortSignal): Promise<BridgeResult<T>> {
    let response: Response;
    try {
        response = await fetch(normalizeBridgePath(bridgePath) + endpoint, {
            credentials: 'same-origin',

            // Mattermost's own client marks cookie-authenticated calls this way (a cross-site form cannot),
            // so the bridge can apply the same CSRF rule as Mattermost.
            headers: {'X-Requested-With': 'XMLHttpRequest', Accept: 'application/json'},
            signal,
        });
    } catch (err) {
        if (signal?.aborted) {
            throw err;
        }
        return {kind: 'unreachable', reason: 'the request failed: ' + String((err as Error)?.message ?? err)};
    }
    if (response.status === 401 || response.status === 403) {
        return {kind: 'forbidden', status: response.status};
    }
    if (!response.ok) {
        return {kind: 'unreachable', reason: `HTTP ${response.status} from ${response.url || endpoint}`};
    }

    // Without a proxy rule Mattermost itself answers unknown paths with its HTML page and status 200.
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('application/json')) {
        return {kind: 'unreachable', reason: `the answer was ${type || 'not JSON'}, so no proxy rule sends this path to the bridge`};
    }
    return {kind: 'ok', body: await response.json() as T};
}

export function getStatus(bridgePath: string, signal?: AbortSignal): Promise<BridgeResult<BridgeStatusBody>> {
    return getJSON<BridgeStatusBody>(bridgePath, 'api/v1/status', signal);
}

/** The time of the last good backup as an ISO string, or null when there is none yet. */
export function lastBackupTime(body: BridgeStatusBody): string | null {
    const last = body.last_success;
    if (!last) {
        return null;
    }
    return typeof last === 'string' ? last : last.finished_at ?? null;
}
