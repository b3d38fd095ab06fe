/**
 * Every failure an admin can meet is an MmBackupError: it names the step that failed, a stable code for
 * scripts, a message that says what went wrong, and the fix. The CLI maps `exitCode` to the process exit
 * status (DESIGN section 4): 1 the operation failed, 2 bad usage or configuration, 3 repository locked,
 * 4 wrong key. Messages must already be redacted: they are shown to people and written to logs.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  locked: 3,
  wrongKey: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface MmBackupErrorInit {
  step: string;
  code: string;
  message: string;
  fix?: string;
  exitCode?: ExitCodeValue;
  cause?: unknown;
}

export class MmBackupError extends Error {
  readonly step: string;
  readonly code: string;
  readonly fix?: string;
  readonly exitCode: ExitCodeValue;

  constructor(init: MmBackupErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'MmBackupError';
    this.step = init.step;
    this.code = init.code;
    this.fix = init.fix;
    this.exitCode = init.exitCode ?? ExitCode.failed;
  }

  /** One line for people: "step: message. Fix: fix" */
  describe(): string {
    return `${this.step}: ${this.message}${this.fix ? `\n  fix: ${this.fix}` : ''}`;
  }

  toJSON(): Record<string, unknown> {
    return { step: this.step, code: this.code, message: this.message, fix: this.fix, exitCode: this.exitCode };
  }
}

export function isMmBackupError(err: unknown): err is MmBackupError {
  return err instanceof MmBackupError;
}

/** Node's system error code (ENOENT, ENOSPC, ...) of an error, if it has one. */
export function systemCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Wraps an unexpected error so that it still carries a step; keeps MmBackupErrors as they are. */
export function asMmBackupError(err: unknown, step: string, fix?: string): MmBackupError {
  if (err instanceof MmBackupError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MmBackupError({ step, code: systemCode(err) ?? 'UNEXPECTED', message, fix, cause: err });
}
