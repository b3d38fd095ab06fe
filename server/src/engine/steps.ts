/**
 * An operation reads like its steps: runSteps() runs them in order, reporting each, and always runs the
 * cleanups afterwards. A cleanup that fails is logged as a warning and never hides the error that made
 * the operation fail.
 */
import { asMmBackupError } from '../common/errors';
import type { Reporter } from '../common/reporter';
import type { HeldLock } from '../repository/lock';

export interface Step {
  name: string;
  run(): Promise<void>;
}

export type Cleanup = { name: string; run(): Promise<void> };

export async function runSteps(steps: Step[], cleanups: Cleanup[], reporter: Reporter): Promise<void> {
  try {
    for (const step of steps) {
      reporter.stepStarted(step.name);
      try {
        await step.run();
      } catch (err) {
        reporter.stepFinished(step.name, false);
        throw asMmBackupError(err, step.name);
      }
      reporter.stepFinished(step.name, true);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup.run();
      } catch (err) {
        reporter.warn(`cleanup "${cleanup.name}" failed: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * Runs `operation`; when it failed after its lock was lost, the lock loss is the error (exit 3), not
 * whatever the abort made a step throw (a dump tool stopped, ABORTED).
 */
export async function withLockLoss<T>(lock: () => HeldLock | undefined, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    const held = lock();
    if (held?.signal.aborted) throw held.signal.reason;
    throw err;
  }
}
