/**
 * The bridge driven as the plugin's server part drives it (protocol v1): HTTP with the shared secret and the
 * user headers, and a reader of GET /api/v1/events that parses the stream as EventSource does (event, id,
 * data; comments kept as `comment` events so tests can see the pings).
 */
import { PROTOCOL } from '@backup-dr/wire';

export interface ReceivedEvent {
  event: string;
  id: string;
  data: any;
}

export interface EventFollower {
  events: ReceivedEvent[];
  /** The data of every event of one type, oldest first. */
  of(type: string): any[];
  /** Resolves when `check` holds, polling; rejects after timeoutMs naming what was received. */
  until<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export class PluginClient {
  constructor(readonly url: string, readonly secret: string, readonly user = { id: 'u-admin-00000000000000000000', username: 'admin' }) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { [PROTOCOL.headers.secret]: this.secret, [PROTOCOL.headers.userId]: this.user.id, [PROTOCOL.headers.username]: this.user.username, ...extra };
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, { ...init, headers: this.headers((init.headers ?? {}) as Record<string, string>) });
  }

  async json<T = any>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const res = await this.fetch(path, init);
    return { status: res.status, body: (await res.json()) as T };
  }

  /** POST with a JSON body. */
  post<T = any>(path: string, body: unknown = {}): Promise<{ status: number; body: T }> {
    return this.json<T>(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }

  /** Opens the event stream (with Last-Event-ID when given) and collects its events until stop(). */
  async follow(lastEventId?: string): Promise<EventFollower> {
    const controller = new AbortController();
    const res = await this.fetch(PROTOCOL.routes.events, { signal: controller.signal, headers: lastEventId ? { 'Last-Event-ID': lastEventId } : {} });
    if (res.status !== 200) throw new Error(`GET ${PROTOCOL.routes.events}: HTTP ${res.status} ${await res.text()}`);
    const events: ReceivedEvent[] = [];
    let raw = '';
    const pump = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          raw += decoder.decode(chunk, { stream: true });
          for (let end = raw.indexOf('\n\n'); end >= 0; end = raw.indexOf('\n\n')) {
            events.push(parseBlock(raw.slice(0, end)));
            raw = raw.slice(end + 2);
          }
        }
      } catch {
        // aborted by stop(), or the bridge went away
      }
    })();
    return {
      events,
      of: (type) => events.filter((e) => e.event === type).map((e) => e.data),
      async until(what, check, timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const value = check();
          if (value) return value;
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(events.slice(-20))}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      async stop() {
        controller.abort();
        await pump;
      },
    };
  }
}

function parseBlock(block: string): ReceivedEvent {
  if (block.startsWith(':')) return { event: 'comment', id: '', data: block };
  const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? '';
  return { event: field('event') || 'message', id: field('id'), data: JSON.parse(field('data')) };
}
