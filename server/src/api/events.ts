/**
 * GET /api/v1/events: the stream the plugin follows on every node (protocol v1, docs/http-api.md). Each
 * message is `event: <type>\nid: <seq>\ndata: <one-line JSON>\n\n`, redacted; `hello` first on every
 * connection, a `: ping` comment every 15 s.
 *
 * Ids are numbers that only grow, also across restarts of the bridge: the first id of a run is the start
 * time in milliseconds, so an id the plugin saw before a restart is always below the new run's ids. The hub
 * keeps the last RING_SIZE events; a reconnecting client that sends Last-Event-ID gets the kept events after
 * it (all kept events when the id is older than the ring, or from an earlier run), so no alert or reply falls
 * into the gap. `hello` carries the id of the newest event so far and is not kept: it is per connection.
 */
import * as os from 'node:os';
import type * as http from 'node:http';
import { PROTOCOL, type BridgeEvents, type BridgeEventType } from '@backup-dr/wire';
import { redactDeep } from './respond';

export const RING_SIZE = 200;
export const PING_MS = 15_000;

export interface StoredEvent {
  id: number;
  type: Exclude<BridgeEventType, 'hello'>;
  data: unknown;
}

type Listener = (event: StoredEvent) => void;

/** The events published so far (the last RING_SIZE) and the streams following them. */
export class EventHub {
  private readonly ring: StoredEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private seq: number;

  constructor(private readonly options: { version: string; host?: string; firstId?: number; ringSize?: number } = { version: '0.0.0' }) {
    this.seq = (options.firstId ?? Date.now()) - 1;
  }

  /** Publishes an event to every stream and keeps it for reconnects. The data is redacted here, once. */
  publish<T extends Exclude<BridgeEventType, 'hello'>>(type: T, data: BridgeEvents[T]): StoredEvent {
    const event: StoredEvent = { id: ++this.seq, type, data: redactDeep(data) };
    this.ring.push(event);
    if (this.ring.length > (this.options.ringSize ?? RING_SIZE)) this.ring.shift();
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** The kept events a client that last saw `lastId` missed (all kept ones when it is unknown or too old). */
  since(lastId: number | undefined): StoredEvent[] {
    if (lastId === undefined || !Number.isFinite(lastId) || lastId > this.seq) return [...this.ring];
    return this.ring.filter((e) => e.id > lastId);
  }

  /** Events published so far, oldest first (the kept ones). */
  recent(): StoredEvent[] {
    return [...this.ring];
  }

  get lastId(): number {
    return this.seq;
  }

  hello(): BridgeEvents['hello'] {
    return { protocol: PROTOCOL.protocol, bridgeVersion: this.options.version, host: this.options.host ?? os.hostname() };
  }

  /** Follows new events; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Streams currently open (for tests and the status of the plugin link). */
  get followers(): number {
    return this.listeners.size;
  }
}

/** Serves one event stream until the client goes away. */
export function streamEvents(hub: EventHub, req: http.IncomingMessage, res: http.ServerResponse, pingMs = PING_MS): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Accel-Buffering': 'no',
  });
  res.socket?.setNoDelay(true);
  const header = req.headers['last-event-id'];
  const lastId = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
  write(res, 'hello', hub.lastId, hub.hello());
  // Replay and subscribe in one tick: nothing can be published in between.
  if (lastId !== undefined) for (const event of hub.since(lastId)) write(res, event.type, event.id, event.data);
  const unsubscribe = hub.subscribe((event) => write(res, event.type, event.id, event.data));
  const ping = setInterval(() => res.write(': ping\n\n'), pingMs);
  res.on('close', () => {
    clearInterval(ping);
    unsubscribe();
  });
}

function write(res: http.ServerResponse, type: string, id: number, data: unknown): void {
  res.write(`event: ${type}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
}
