/**
 * The bridge's log: one JSON object per line on stdout (pino), so journald keeps it and `journalctl -u
 * mmbackup -o cat | jq` reads it. Every line of a job carries its `jobId` and `kind`; the service's own
 * lines (listening, settings changed, skipped runs) carry neither. Every message passes through redact()
 * first: a secret registered with it never reaches the journal.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { redact } from '../common/redact';
import type { LogLine } from '../schedule/runner';

export type BridgeLogger = Logger;

/** A logger writing to `destination` (default: stdout, synchronously, so the last lines before an exit are kept). */
export function bridgeLogger(destination: DestinationStream = pino.destination({ fd: 1, sync: true })): BridgeLogger {
  return pino({
    base: undefined, // no pid/hostname on every line: journald records both
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>);
      },
    },
  }, destination);
}

/** Writes one line of a job's log: `step` lines at info with `step: true`, warnings at warn. */
export function logJobLine(logger: BridgeLogger, line: LogLine): void {
  if (line.level === 'warn') logger.warn(line.text);
  else if (line.level === 'step') logger.info({ step: true }, line.text);
  else logger.info(line.text);
}
