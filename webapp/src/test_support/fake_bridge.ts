// A fake fetch that answers like the bridge (or the proxy and Mattermost in front of it): responses with the
// contract's shapes, routed by method and path, each call recorded with its headers for the tests to check.
// jsdom has no fetch or Response, so these are minimal stand-ins for what client/ reads from them.

export type FakeResponse = {
    ok: boolean;
    status: number;
    headers: {get(name: string): string | null};
    json(): Promise<unknown>;
    text(): Promise<string>;
    body: {getReader(): {read(): Promise<{done: boolean; value?: Uint8Array}>; cancel(): Promise<void>}} | null;
};

export function textResponse(status: number, text: string, contentType: string): FakeResponse {
    return {
        ok: status >= 200 && status < 300,
        status,
        headers: {get: (name) => (name.toLowerCase() === 'content-type' ? contentType : null)},
        json: async () => JSON.parse(text),
        text: async () => text,
        body: null,
    };
}

export function json(status: number, body: unknown): FakeResponse {
    return textResponse(status, JSON.stringify(body), 'application/json');
}

/** The error body the bridge and the plugin send: {error: CODE, message, fix?}. */
export function bridgeError(status: number, code: string, message: string, fix?: string): FakeResponse {
    return json(status, {error: code, message, ...(fix ? {fix} : {})});
}

export function html(status: number): FakeResponse {
    return textResponse(status, '<!doctype html><html><body>Mattermost</body></html>', 'text/html; charset=utf-8');
}

/** A server-sent event stream the test feeds: push() sends text, end() closes it. */
export class EventStream {
    private chunks: string[] = [];
    private closed = false;
    private waiting: (() => void) | null = null;
    cancelled = false;

    push(text: string): void {
        this.chunks.push(text);
        this.wake();
    }

    line(line: {at?: string; level?: string; text: string}): void {
        this.push(`data: ${JSON.stringify({at: '2026-11-24T03:00:00.000Z', level: 'info', ...line})}\n\n`);
    }

    end(result: Record<string, unknown> = {}): void {
        this.push(`event: end\ndata: ${JSON.stringify(result)}\n\n`);
        this.close();
    }

    close(): void {
        this.closed = true;
        this.wake();
    }

    response(): FakeResponse {
        const encoder = new TextEncoder();
        const reader = {
            read: async (): Promise<{done: boolean; value?: Uint8Array}> => {
                while (this.chunks.length === 0 && !this.closed && !this.cancelled) {
                    await new Promise<void>((resolve) => {
                        this.waiting = resolve;
                    });
                }
                const next = this.chunks.shift();
                return next === undefined ? {done: true} : {done: false, value: encoder.encode(next)};
            },
            cancel: async () => {
                this.cancelled = true;
                this.wake();
            },
        };
        return {...textResponse(200, '', 'text/event-stream; charset=utf-8'), body: {getReader: () => reader}};
    }

    private wake(): void {
        const w = this.waiting;
        this.waiting = null;
        w?.();
    }
}

export type Call = {method: string; url: string; path: string; query: URLSearchParams; headers: Record<string, string>; body: unknown};

type Handler = (call: Call) => FakeResponse | Promise<FakeResponse>;

/** Routes "GET api/v1/status" style keys (path after the bridge path) to handlers; unknown routes get the bridge's 404. */
export class FakeBridge {
    readonly calls: Call[] = [];
    private routes = new Map<string, Handler>();

    constructor(readonly base = '/plugins/backup-dr/') {}

    on(route: string, handler: Handler | FakeResponse): this {
        this.routes.set(route, typeof handler === 'function' ? handler : () => handler);
        return this;
    }

    callsTo(route: string): Call[] {
        const [method, path] = route.split(' ');
        return this.calls.filter((c) => c.method === method && c.path === path);
    }

    install(): jest.Mock {
        const fetch = jest.fn(async (url: string, init: {method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal} = {}) => {
            const parsed = new URL(url, 'https://chat.example.com');
            const path = parsed.pathname.startsWith(this.base) ? parsed.pathname.slice(this.base.length) : parsed.pathname;
            const call: Call = {
                method: init.method ?? 'GET',
                url,
                path,
                query: parsed.searchParams,
                headers: init.headers ?? {},
                body: init.body === undefined ? undefined : JSON.parse(init.body),
            };
            this.calls.push(call);
            if (init.signal?.aborted) {
                throw Object.assign(new Error('aborted'), {name: 'AbortError'});
            }
            const handler = this.routes.get(`${call.method} ${path}`);
            if (!handler) {
                return bridgeError(404, 'NOT_FOUND', `no such endpoint: /${path}`);
            }
            return handler(call);
        });
        globalThis.fetch = fetch as unknown as typeof globalThis.fetch;
        return fetch;
    }
}

export function uninstallFetch(): void {
    delete (globalThis as {fetch?: unknown}).fetch;
}
