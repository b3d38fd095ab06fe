/**
 * The lines of a previous listing a backup's listing job is given (ListingContext in ./jobs.ts), read on
 * the worker, and compared as text: an unchanged entry's line is the same string, so most lines are never
 * parsed, and the main thread only cut them out of the listing.
 */
import { pathAndType, settled } from '../tree-entry';

export interface PreviousLines {
  /** Every line (with its newline), by path. */
  lines: Map<string, string>;
  /** The sorted names of each settled directory whose entries are all in the lines, by path. */
  names: Map<string, string[]>;
}

/**
 * Reads `text`. The names of a directory are known only if it had settled (its line has `c`) and, unless
 * `deep`, only for `rel` itself: a shallow slice holds the lines of rel's entries but not theirs. A
 * listing is depth-first, each directory's line before its contents, so a directory's names arrive in
 * their sorted order after it.
 */
export function parsePrevious(text: string, rel: string, deep: boolean): PreviousLines {
  const lines = new Map<string, string>();
  const names = new Map<string, string[]>();
  for (let from = 0; from < text.length; ) {
    const end = text.indexOf('\n', from) + 1 || text.length;
    const line = text.slice(from, end);
    from = end;
    if (line === '\n') continue;
    const { p, t } = pathAndType(line);
    lines.set(p, line);
    const slash = p.lastIndexOf('/');
    names.get(slash < 0 ? '' : p.slice(0, slash))?.push(p.slice(slash + 1));
    if (t === 'd' && settled(line) && (deep || p === rel)) names.set(p, []);
  }
  return { lines, names };
}

/**
 * The names of the directory `rel` from `previous`, if they still hold: its line now (`line`, ctime and
 * inode included) is the one it had, which no change to its entries leaves the same.
 */
export function namesIfUnchanged(previous: PreviousLines | undefined, rel: string, line: string | undefined): string[] | undefined {
  const names = previous?.names.get(rel);
  return names && line !== undefined && previous!.lines.get(rel) === line ? names : undefined;
}
