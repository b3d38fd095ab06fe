/**
 * The one place secrets are removed from text. Logs, errors, alerts and API responses only ever see
 * redact()'s output. Secrets are registered as they are learned (a database password from a DSN, a
 * passphrase, a key) and are then replaced wherever they appear, in addition to the patterns below that
 * catch credentials inside URLs and DSNs that were never registered.
 */
const registered = new Set<string>();

export const REDACTED = '***';

/** Remembers a secret so that every later redact() call hides it. Short values are ignored (too many false hits). */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4) return;
  registered.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) registered.add(encoded);
}

const patterns: Array<[RegExp, string]> = [
  // scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)(@)/gi, `$1${REDACTED}$3`],
  // Go MySQL DSN user:password@tcp(
  [/(^|[\s"'=])([^\s:@/"']+:)([^\s@"']+)(@(?:tcp|unix)\()/g, `$1$2${REDACTED}$4`],
  // password=... / secret=... in query strings and key=value lists
  [/((?:password|passwd|pwd|secret|token|passphrase|secretaccesskey|secret_access_key)=)([^&\s"']+)/gi, `$1${REDACTED}`],
];

export function redact(text: string): string {
  let out = text;
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}

/** Forgets registered secrets; for tests only. */
export function clearSecretsForTests(): void {
  registered.clear();
}
