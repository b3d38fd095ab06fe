/**
 * The one-word verdict the System Console shows first, and the sentences that explain it. Pure, so the
 * rules are one table (health.test.ts), decided once for the bridge's GET /api/v1/status and read as they
 * are by the console:
 * - failing: a problem that stops or will stop backups, a failed last attempt (lastFailure), or the newest
 *   good backup older than the recovery point objective (or none at all);
 * - warning: otherwise any warning, no successful backup yet, or no snapshot verified or drilled yet;
 * - healthy: otherwise.
 * Every reason is listed, the failing ones first, so fixing one shows what is left.
 */
import type { Health, LastFailure, LastSuccess, LastVerified, Rpo } from './api';
import { span } from './format';

export interface HealthInput {
  problems: string[];
  warnings: string[];
  lastFailure: LastFailure | null;
  rpo: Rpo;
  lastSuccess: LastSuccess | null;
  lastVerified: LastVerified | null;
}

export function assessHealth(input: HealthInput): { health: Health; healthReasons: string[] } {
  const failing = [...input.problems.map(sentence), ...failureReasons(input)];
  const warning = [...input.warnings.map(sentence)];
  if (!input.lastSuccess && !input.rpo.breached) warning.push('No backup has succeeded yet.');
  if (!input.lastVerified) warning.push('No snapshot has passed a read-back verification or a restore drill yet.');
  const health: Health = failing.length > 0 ? 'failing' : warning.length > 0 ? 'warning' : 'healthy';
  return { health, healthReasons: [...failing, ...warning] };
}

function failureReasons({ lastFailure, rpo, lastSuccess }: HealthInput): string[] {
  const out: string[] = [];
  if (lastFailure) out.push(sentence(`The last ${lastFailure.kind} failed at step ${lastFailure.step}: ${lastFailure.message}`));
  if (rpo.breached) {
    out.push(
      !lastSuccess || rpo.ageSeconds === null
        ? 'No backup has succeeded yet.'
        : `The newest good backup is ${span(rpo.ageSeconds * 1000)} old, more than the ${rpo.thresholdHours} h recovery point objective.`,
    );
  }
  return out;
}

/** Ends with a full stop, whatever the source wrote (names such as pg_dump keep their case). */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
