/**
 * How long work tells the world what it is doing. The engine and the sources call a Reporter; the CLI's
 * progress bar, plain log lines, and later the live log in the System Console are its sinks. Every text
 * passed here must already be safe to show (see redact()).
 */
export interface Reporter {
  /** A named step begins; `total` is the expected byte count when known. */
  stepStarted(step: string, detail?: string, total?: number): void;
  /** The expected byte count of the current step became known (or was estimated, e.g. from the last backup). */
  expectBytes?(total: number): void;
  /** `n` more bytes of the current step were processed. */
  bytes(n: number): void;
  /** A line for the run log. */
  info(line: string): void;
  /** Something an admin should look at, that did not stop the operation. */
  warn(line: string): void;
  /** The step ended, successfully or not. */
  stepFinished(step: string, ok: boolean): void;
}

export const silentReporter: Reporter = {
  stepStarted() {},
  expectBytes() {},
  bytes() {},
  info() {},
  warn() {},
  stepFinished() {},
};
