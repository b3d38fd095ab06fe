/**
 * Strings in code-unit order, for the ISO times and object names the tool sorts. localeCompare gives the
 * same order on these, but it depends on the host's locale, and its first call reads ICU's collation data:
 * about 2 MB more of the node binary resident for the rest of the command (measured on a backup).
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
