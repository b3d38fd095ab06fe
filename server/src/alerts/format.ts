/**
 * Number and time wording for alert text. Sizes come from ../common/format (shared with the CLI); alerts never
 * import the CLI (dependencies point one way: cli and the bridge call alerts, never the reverse).
 */

/** 1536 → "1.5 KiB"; binary units, as `mmbackup list` prints sizes. */
export { formatBytes as bytes } from '../common/format';

/** A span in the two largest useful units: "850 ms", "42 s", "3 min 5 s", "26 h 10 min", "3 d 4 h". */
export function span(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  const d = Math.floor(h / 24);
  return `${d} d${h % 24 ? ` ${h % 24} h` : ''}`;
}

/** An instant as people read it in a channel: ISO 8601 in UTC to the minute ("2024-05-01 03:00 UTC"). */
export function instant(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
