/**
 * Number and time wording for alert text. Sizes come from ../common/format (shared with the CLI); alerts never
 * import the CLI (dependencies point one way: cli and the bridge call alerts, never the reverse).
 */

/** 1536 → "1.5 KiB"; binary units, as `mmbackup list` prints sizes. */
export { formatBytes as bytes } from '../common/format';

/** A span in the two largest useful units (shared with the console's health reasons). */
export { span } from '@backup-dr/wire';

/** An instant as people read it in a channel: ISO 8601 in UTC to the minute ("2024-05-01 03:00 UTC"). */
export function instant(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
