/**
 * Plugin ↔ bridge protocol v1 (docs/http-api.md, "The plugin's routes"): the names both sides use, read from
 * ../protocol.json (the Go plugin's tests read the same file), and the shapes of the event stream and the
 * /backup command endpoint.
 */
import protocolJson from '../protocol.json';
import type { JobKind } from './api';

export const PROTOCOL = protocolJson;

/** Header names, event types, routes, error codes and setting keys of the protocol. */
export type Protocol = typeof protocolJson;

/** The error codes a console can meet when the bridge cannot be used (the plugin or the bridge sends them). */
export type BridgeErrorCode = Protocol['errors'][keyof Protocol['errors']];

/** First event on every GET /api/v1/events connection. */
export interface HelloEvent {
  protocol: number;
  bridgeVersion: string;
  host: string;
}

export type JobPhase = 'started' | 'step' | 'progress' | 'log' | 'finished';

export type JobOutcome = 'succeeded' | 'failed' | 'cancelled';

/**
 * A job's life as it happens: `started`, one `step` per step, `progress` (at most about two a second),
 * `log` per log line, then `finished` with the outcome. The plugin relays these to system admins over
 * Mattermost's websocket (custom_backup-dr_job) unchanged.
 */
export interface JobEvent {
  jobId: string;
  kind: JobKind;
  phase: JobPhase;
  step?: string;
  stepIndex?: number;
  stepCount?: number;
  bytesDone?: number;
  bytesTotal?: number;
  /** The log line (phase "log"), already redacted. */
  line?: string;
  outcome?: JobOutcome;
  /** A failure's message and fix (phase "finished", outcome "failed"). */
  message?: string;
}

export type AlertKind =
  | 'backup-failed' | 'backup-recovered' | 'backup-overdue' | 'drill-failed' | 'verify-failed' | 'prune-failed'
  | 'repository-unreachable' | 'repository-recovered' | 'repository-nearly-full';

export type AlertSeverity = 'error' | 'warning' | 'info';

/**
 * Something the ops channel must hear. `id` is the same for the same event on every bridge of a cluster, so
 * the plugin posts each id once; `message` is Markdown, redacted.
 */
export interface AlertEvent {
  id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
}

/** The outcome of a job started by /backup, for the bot to post where the command ran. */
export interface ReplyEvent {
  id: string;
  channelId: string;
  rootId?: string;
  message: string;
}

export interface BridgeEvents {
  hello: HelloEvent;
  job: JobEvent;
  alert: AlertEvent;
  reply: ReplyEvent;
}

export type BridgeEventType = keyof BridgeEvents;

/** POST /api/v1/commands: a /backup invocation the plugin already checked (the caller is a system admin). */
export interface CommandRequest {
  userId: string;
  username: string;
  channelId: string;
  teamId: string;
  rootId?: string;
  /** What follows "/backup", e.g. "now db" or "". */
  text: string;
}

/** The immediate ephemeral answer to a /backup invocation (Markdown). */
export interface CommandReply {
  text: string;
}
